package ai.oxbow.pipeline.train;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.eval.OnlineProbe;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.ops.ModelImage;
import ai.oxbow.pipeline.ops.ModelRegistrySink;

import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The single stateful trainer (parallelism 1). Images go into a {@link PacedInbox}; the
 * {@link TrainingLoop}'s thread moves them into the replay buffer ({@link StreamLearner}) and
 * trains from it. When the {@link PublishPolicy} says so the operator publishes the encoder: an
 * {@link EncoderSnapshot} out to the embedders (broadcast) and the model registry
 * ({@link ModelRegistrySink}). The {@link TrainerMonitor} keeps its metrics and progress, the
 * {@link RunDirectory} its files.
 *
 * <p>Everything the trainer learned (network, optimiser, method buffers, replay buffer, credit,
 * the batch sampled for the next step) is one versioned blob in operator state
 * ({@link TrainerCheckpoint}); the inbox is state too. A checkpoint waits for the step in
 * progress, and for that step only.
 */
public final class TrainerOperator extends AbstractStreamOperator<byte[]>
        implements OneInputStreamOperator<ModelImage, byte[]>, BoundedOneInput {
    private static final long CHECK_MS = 100;

    private final TrainerConfig config;
    private final ReplayConfig replay;
    private final Augmenter augmenter;
    private final TrainerOptions options;
    private transient SslTrainer trainer;
    private transient StreamLearner learner;
    private transient PacedInbox inbox;
    private transient TrainingLoop loop;
    private transient RunDirectory files;
    private transient TrainerMonitor monitor;
    private transient PublishPolicy publishing;
    private transient InjectedFailure injected;
    private transient TrainerCheckpoint checkpoint;
    /** Milliseconds a checkpoint waited for the learner's lock, and spent encoding the blob. */
    private transient Histogram snapshotWaitMs;
    private transient Histogram snapshotEncodeMs;
    /** The task thread's mailbox: where the training thread hands over what must be emitted. */
    private transient MailboxExecutor mailbox;
    private transient boolean announced;

    public TrainerOperator(TrainerConfig config, ReplayConfig replay, Augmenter augmenter, TrainerOptions options) {
        this.config = config;
        this.replay = replay;
        this.augmenter = augmenter;
        this.options = options;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        var store = context.getOperatorStateStore();
        checkpoint = new TrainerCheckpoint(
                store.getListState(new ListStateDescriptor<>("trainer-state",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)),
                store.getListState(new ListStateDescriptor<>("trainer-state-crc32c", Long.class)),
                store.getListState(new ListStateDescriptor<>("trainer-job-id", String.class)),
                store.getListState(new ListStateDescriptor<>("trainer-inbox", TypeInformation.of(ModelImage.class))));
        files = new RunDirectory(options.runDir());
        trainer = new SslTrainer(config);
        learner = new StreamLearner(trainer, augmenter, replay, options.viewThreads());
        String restored = checkpoint.restore(learner, trainer, context.getRestoredCheckpointId().orElse(-1), jobId());
        if (restored != null) {
            event(restored);
        }
        inbox = new PacedInbox(options.pace(), replay,
                getMetricGroup().addGroup("oxbow").counter("images_not_admitted"));
        inbox.restore(checkpoint.restoredInbox());
    }

    @Override
    public void open() throws Exception {
        super.open();
        monitor = new TrainerMonitor(getMetricGroup(), trainer, learner,
                new OnlineProbe(trainer, augmenter, options.classes()), options, files, this::eventUnchecked);
        var metrics = getMetricGroup().addGroup("oxbow");
        metrics.gauge("trainer_inbox", () -> (long) inbox.size());
        metrics.gauge("trainer_state_crc32c", checkpoint::savedCrc);
        metrics.gauge("trainer_restored_crc32c", checkpoint::restoredCrc);
        snapshotWaitMs = metrics.histogram("trainer_snapshot_wait_ms", new DescriptiveStatisticsHistogram(1000));
        snapshotEncodeMs = metrics.histogram("trainer_snapshot_encode_ms", new DescriptiveStatisticsHistogram(1000));
        mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY);
        publishing = new PublishPolicy(options, monitor::alarm, System.currentTimeMillis());
        injected = new InjectedFailure(options.failAtStep());
        // The version goes out through the task's mailbox; if a checkpoint comes first, the
        // restored trainer announces it again at start.
        loop = new TrainingLoop(learner, inbox, monitor, () -> publishing.afterStep(trainer,
                System.currentTimeMillis(), v -> mailbox.execute(() -> emit(v), "publish encoder version %d", v.version())));
        loop.start();
        scheduleChecks();
    }

    @Override
    public void processElement(StreamRecord<ModelImage> element) throws InterruptedException {
        loop.checkFailure();
        inbox.offer(TrainerCheckpoint.item(element.getValue()), loop::failed);
        loop.checkFailure();
    }

    /** Steps trained so far (for tests of the pacing). */
    long steps() throws Exception {
        return loop.withLearner(trainer::steps);
    }

    /** Every 100 ms on the task thread: surface a failure of the training thread; the test hook. */
    private void scheduleChecks() {
        long due = getProcessingTimeService().getCurrentProcessingTime() + (announced ? CHECK_MS : 0);
        getProcessingTimeService().registerTimer(due, time -> {
            loop.checkFailure();
            if (!announced) {
                // The embedders need a version to start with; after a restore they may already have it.
                loop.withLearner(() -> emit(trainer.publishedSnapshot()));
                announced = true;
            }
            injected.check(trainer.steps(), getRuntimeContext().getTaskInfo().getAttemptNumber());
            scheduleChecks();
        });
    }

    private void emit(EncoderSnapshot snapshot) {
        output.collect(new StreamRecord<>(snapshot.encode()));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        loop.checkFailure();
        long start = System.nanoTime();
        loop.withLearner(() -> {
            long locked = System.nanoTime();
            snapshotWaitMs.update((locked - start) / 1_000_000);
            files.flush();
            checkpoint.save(learner, inbox.pending(), jobId());
            snapshotEncodeMs.update((System.nanoTime() - locked) / 1_000_000);
        });
    }

    private String jobId() {
        return getRuntimeContext().getJobInfo().getJobId().toString();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        injected.checkpointCompleted();
    }

    /**
     * End of a bounded stream: the trainer finishes the steps the stream earned, publishes its
     * final version (unless the collapse alarm holds it) and writes the final state for evaluation
     * and export.
     */
    @Override
    public void endInput() throws Exception {
        loop.drain(mailbox);
        loop.withLearner(() -> {
            publishing.atEnd(trainer, this::emit);
            files.writeFinal(trainer, learner);
        });
    }

    private void eventUnchecked(String line) {
        try {
            event(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A trainer event: to the log and the run's {@code trainer-events.log}. */
    private void event(String line) throws IOException {
        LOG.info("trainer {}", line);
        files.event(line);
    }

    @Override
    public void close() throws Exception {
        if (loop != null) {
            loop.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {files, learner, trainer}) {
            if (c != null) {
                c.close();
            }
        }
        super.close();
    }
}
