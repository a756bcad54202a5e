package ai.oxbow.pipeline.ops;

import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.schemas.EmbeddingEvent;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeds every valid image with the newest published encoder version. Input 1: images (any
 * parallelism); input 2: encoder snapshots from the trainer, broadcast to every subtask.
 *
 * <ul>
 *   <li>Before the first snapshot arrives, images wait in operator state (the trainer sends its
 *       current version as soon as it starts, so the wait is its start-up time).</li>
 *   <li>A new snapshot first flushes the waiting images with the version they arrived under, then
 *       replaces the encoder: each image is embedded once, by the newest version that had
 *       arrived before it, and its event says which.</li>
 *   <li>The current snapshot is checkpointed (union state: every subtask gets it back, also after
 *       a rescale), as are the images still waiting, so a failover neither drops nor repeats one.</li>
 * </ul>
 *
 * Images are embedded in batches of up to {@code batch}, or fewer after {@code maxWaitMs}.
 */
public final class EmbedImages extends AbstractStreamOperator<EmbeddingEvent>
        implements TwoInputStreamOperator<ModelImage, byte[], EmbeddingEvent>, BoundedMultiInput {
    private final int batch;
    private final long maxWaitMs;
    private transient Embedder embedder;
    private transient List<ModelImage> waiting;
    private transient ListState<ModelImage> waitingState;
    private transient ListState<byte[]> modelState;
    private transient long deadline;
    private transient int inputsEnded;
    private transient Counter embedded;
    private transient volatile long lagMs;

    public EmbedImages(int batch, long maxWaitMs) {
        this.batch = batch;
        this.maxWaitMs = maxWaitMs;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        var store = context.getOperatorStateStore();
        waitingState = store.getListState(new ListStateDescriptor<>("embedder-waiting",
                TypeInformation.of(ModelImage.class)));
        modelState = store.getUnionListState(new ListStateDescriptor<>("embedder-model",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        waiting = new ArrayList<>();
        waitingState.get().forEach(waiting::add);
        for (byte[] bytes : modelState.get()) {
            EncoderSnapshot s = EncoderSnapshot.decode(bytes);
            if (embedder == null || s.version() > embedder.version()) {
                replaceEncoder(s);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        var group = getMetricGroup().addGroup("oxbow");
        embedded = group.counter("images_embedded");
        group.gauge("embedder_model_version", () -> embedder == null ? -1L : embedder.version());
        group.gauge("embedder_waiting", () -> (long) waiting.size());
        // From the event's time to its embedding leaving this operator.
        group.gauge("embedding_lag_ms", () -> lagMs);
        if (!waiting.isEmpty()) {
            armTimer();
        }
    }

    @Override
    public void processElement1(StreamRecord<ModelImage> element) {
        waiting.add(element.getValue());
        if (embedder != null && waiting.size() >= batch) {
            flush();
        } else if (waiting.size() == 1) {
            armTimer();
        }
    }

    @Override
    public void processElement2(StreamRecord<byte[]> element) {
        EncoderSnapshot s = EncoderSnapshot.decode(element.getValue());
        if (embedder != null && s.version() <= embedder.version()) {
            return; // a re-sent version (the trainer re-announces its current one after a restart)
        }
        flush();
        replaceEncoder(s);
        flush();
    }

    private void replaceEncoder(EncoderSnapshot s) {
        if (embedder != null) {
            embedder.close();
        }
        embedder = new Embedder(s);
    }

    private void armTimer() {
        long due = getProcessingTimeService().getCurrentProcessingTime() + maxWaitMs;
        deadline = due;
        getProcessingTimeService().registerTimer(due, time -> {
            if (time == deadline && !waiting.isEmpty()) {
                if (embedder == null) {
                    armTimer();
                } else {
                    flush();
                }
            }
        });
    }

    private void flush() {
        if (embedder == null || waiting.isEmpty()) {
            return;
        }
        EncoderSnapshot model = embedder.snapshot();
        int n = waiting.size();
        float[] vectors = embedder.embed(ModelImage.batch(waiting), n);
        int dim = embedder.dim();
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            ModelImage img = waiting.get(i);
            List<Float> vector = new ArrayList<>(dim);
            for (int d = 0; d < dim; d++) {
                vector.add(vectors[i * dim + d]);
            }
            output.collect(new StreamRecord<>(EmbeddingEvent.newBuilder()
                    .setImageId(img.id)
                    .setEventTime(Instant.ofEpochMilli(img.eventTime))
                    .setModelVersion(model.version())
                    .setMethod(model.method())
                    .setEncoderName(model.encoder())
                    .setDim(dim)
                    .setLabel(img.label)
                    .setVector(vector)
                    .build(), img.eventTime));
            lagMs = now - img.eventTime;
        }
        embedded.inc(n);
        waiting = new ArrayList<>();
        deadline = -1;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        waitingState.update(waiting);
        modelState.update(embedder == null ? List.of() : List.of(embedder.snapshot().encode()));
    }

    /**
     * Either input may end first: the two inputs are independent channels, so the trainer's last
     * version can arrive while images are still in flight. Whatever waits is embedded as soon as
     * there is an encoder; with no encoder once both inputs have ended, the images cannot be
     * embedded, which is an error rather than a silent loss.
     */
    @Override
    public void endInput(int inputId) {
        inputsEnded++;
        if (embedder != null) {
            flush();
        } else if (inputsEnded == 2 && !waiting.isEmpty()) {
            throw new IllegalStateException(waiting.size() + " images but the trainer published no encoder");
        }
    }

    @Override
    public void close() throws Exception {
        if (embedder != null) {
            embedder.close();
            embedder = null;
        }
        super.close();
    }
}
