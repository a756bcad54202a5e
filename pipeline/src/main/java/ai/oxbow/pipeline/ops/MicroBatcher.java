package ai.oxbow.pipeline.ops;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups training pairs into micro-batches of B items, or fewer once the first buffered item
 * has waited the maximum time, and flushes the remainder at the end of a bounded input. The
 * buffer is operator state: a checkpoint taken mid-batch restores it, so no item is lost or
 * trained twice. Runs with parallelism 1, in front of the single trainer.
 */
public final class MicroBatcher extends AbstractStreamOperator<MicroBatch>
        implements OneInputStreamOperator<TrainingPair, MicroBatch>, BoundedOneInput {
    private final int batchSize;
    private final long maxWaitMs;
    private transient List<TrainingPair> buffer;
    private transient ListState<TrainingPair> bufferState;
    private transient long deadline;
    private transient long firstBufferedMs;
    private transient volatile long lastWaitMs;

    public MicroBatcher(int batchSize, long maxWaitMs) {
        this.batchSize = batchSize;
        this.maxWaitMs = maxWaitMs;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        bufferState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("micro-batch-buffer", TypeInformation.of(TrainingPair.class)));
        buffer = new ArrayList<>();
        for (TrainingPair p : bufferState.get()) {
            buffer.add(p);
        }
        if (!buffer.isEmpty()) {
            armTimer();
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        // How long the oldest item of the last batch waited for it to fill.
        getMetricGroup().addGroup("oxbow").gauge("batch_wait_ms", () -> lastWaitMs);
    }

    @Override
    public void processElement(StreamRecord<TrainingPair> element) {
        if (buffer.isEmpty()) {
            firstBufferedMs = getProcessingTimeService().getCurrentProcessingTime();
        }
        buffer.add(element.getValue());
        if (buffer.size() >= batchSize) {
            flush();
        } else if (buffer.size() == 1) {
            armTimer();
        }
    }

    private void armTimer() {
        long due = getProcessingTimeService().getCurrentProcessingTime() + maxWaitMs;
        deadline = due;
        getProcessingTimeService().registerTimer(due, time -> {
            if (time == deadline && !buffer.isEmpty()) {
                flush();
            }
        });
    }

    private void flush() {
        lastWaitMs = getProcessingTimeService().getCurrentProcessingTime() - firstBufferedMs;
        output.collect(new StreamRecord<>(new MicroBatch(buffer.toArray(new TrainingPair[0]))));
        buffer = new ArrayList<>();
        deadline = -1;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        bufferState.update(buffer);
    }

    @Override
    public void endInput() {
        if (!buffer.isEmpty()) {
            flush();
        }
    }
}
