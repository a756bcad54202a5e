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
import ai.oxbow.pipeline.train.TrainerOptions.Pace;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.OperatorEventHandler;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;

/**
 * The stateful trainer: one rank of a group of N (its parallelism), each training B / N images per
 * step in synchronous data parallelism, or alone. Its images reach an {@link Inbox}: from a reader
 * of its own ({@link TrainerReader}, back-pressure) or from the shared stream (sample); the
 * {@link TrainingLoop}'s thread moves them into the replay buffer ({@link StreamLearner}) and
 * trains. Rank 0 publishes the encoder when the {@link PublishPolicy} says so: an
 * {@link EncoderSnapshot} to the embedders (broadcast) and the model registry
 * ({@link ModelRegistrySink}). The ranks meet through the {@link Rendezvous} coordinator.
 *
 * <p>Everything the group learned is operator state ({@link TrainerCheckpoint}), cut at one step
 * for every rank; a checkpoint waits for the step in progress, and at most one more.
 */
public final class TrainerOperator extends AbstractStreamOperator<byte[]>
        implements OneInputStreamOperator<ModelImage, byte[]>, BoundedOneInput, OperatorEventHandler {
    private static final long CHECK_MS = 100;

    private final TrainerConfig config;
    private final ReplayConfig replay;
    private final Augmenter augmenter;
    private final TrainerOptions options;
    /** The trainer's own reader of the images topic (back-pressure); null: it takes the shared stream. */
    private final ReaderSettings reading;

    private transient int rank;
    private transient int ranks;
    private transient SslTrainer trainer;
    private transient StreamLearner learner;
    private transient Inbox inbox;
    private transient TrainerReader reader;
    private transient TrainingLoop loop;
    private transient GroupJoin join;
    private transient OperatorEventGateway coordinator;
    private transient RunDirectory files;
    private transient TrainerMonitor monitor;
    private transient PublishPolicy publishing;
    private transient InjectedFailure injected;
    private transient TrainerCheckpoint checkpoint;
    private transient MailboxExecutor mailbox;
    private transient boolean announced;

    public TrainerOperator(
            TrainerConfig config,
            ReplayConfig replay,
            Augmenter augmenter,
            TrainerOptions options,
            ReaderSettings reading) {
        if ((options.pace() == Pace.BACKPRESSURE) != (reading != null)) {
            throw new IllegalArgumentException(
                    "the trainer reads the topic itself exactly when it paces by back-pressure");
        }
        this.config = config;
        this.replay = replay;
        this.augmenter = augmenter;
        this.options = options;
        this.reading = reading;
    }

    /** Where this rank reports its address to the coordinator (set by the factory). */
    void joinVia(OperatorEventGateway gateway) {
        this.coordinator = gateway;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        rank = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        ranks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        ReplayConfig mine = replay.forRank(rank, ranks);
        checkpoint = new TrainerCheckpoint(context.getOperatorStateStore());
        files = new RunDirectory(rank == 0 ? options.runDir() : null, rank, ranks);
        trainer = new SslTrainer(config, rank);
        learner = new StreamLearner(trainer, augmenter, mine, options.viewThreads());
        String restored = checkpoint.restore(
                learner, trainer, rank, ranks, context.getRestoredCheckpointId().orElse(-1), jobId());
        if (restored != null) {
            files.event(restored);
        }
        inbox = new Inbox(
                options.pace(), mine, getMetricGroup().addGroup("oxbow").counter("images_not_admitted"));
        inbox.restore(checkpoint.restoredPending(), checkpoint.restoredPositions());
    }

    @Override
    public void open() throws Exception {
        super.open();
        monitor = new TrainerMonitor(
                getMetricGroup(),
                trainer,
                learner,
                new OnlineProbe(trainer, augmenter, options.classes()),
                options,
                files,
                rank,
                ranks);
        var metrics = getMetricGroup().addGroup("oxbow");
        metrics.gauge("trainer_inbox", () -> (long) inbox.size());
        checkpoint.metrics(metrics);
        mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY);
        publishing = new PublishPolicy(options, monitor::alarm, System.currentTimeMillis());
        injected = new InjectedFailure(options.failAtStep());
        TrainingLoop.Join group = () -> null;
        if (ranks > 1) {
            String host =
                    getContainingTask().getEnvironment().getTaskManagerInfo().getTaskManagerExternalAddress();
            join = GroupJoin.listen(host, rank, coordinator, metrics);
            group = () -> join.connect(rank, jobId() + "/trainer");
        }
        // Versions go out through the task's mailbox; if a checkpoint comes first, the restored
        // trainer announces its version again at start.
        loop = new TrainingLoop(
                learner,
                trainer,
                inbox,
                monitor,
                publishing,
                rank == 0 ? v -> mailbox.execute(() -> emit(v), "publish encoder version %d", v.version()) : v -> {},
                rank,
                ranks,
                group);
        loop.start();
        if (reading != null) {
            reader = new TrainerReader(reading, rank, ranks, inbox);
            reader.start();
        }
        scheduleChecks();
    }

    @Override
    public void processElement(StreamRecord<ModelImage> element) {
        loop.checkFailure();
        inbox.offer(TrainerCheckpoint.item(element.getValue()));
    }

    @Override
    public void handleOperatorEvent(OperatorEvent event) {
        if (event instanceof Rendezvous.Formed formed && join != null) {
            join.formed(formed);
        }
    }

    /** Whether the trainer has admitted every image it got and trained every step due (for tests). */
    boolean idle() throws Exception {
        return loop.withLearner(() -> inbox.size() == 0 && !learner.due());
    }

    /** Every 100 ms on the task thread: surface a failure of the training or reading thread; the test hook. */
    private void scheduleChecks() {
        long due = getProcessingTimeService().getCurrentProcessingTime() + (announced ? CHECK_MS : 0);
        getProcessingTimeService().registerTimer(due, time -> {
            loop.checkFailure();
            if (reader != null) {
                reader.checkFailure();
            }
            if (!announced && rank == 0) {
                // The embedders need a version to start with; after a restore they may already have it.
                loop.withLearner(() -> emit(trainer.publishedSnapshot()));
            }
            announced = true;
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
        long asked = System.nanoTime();
        TrainingLoop.Cut cut = loop.cut(context.getCheckpointId());
        files.flush();
        checkpoint.save(cut, asked, rank, ranks, jobId());
        if (reader != null && rank == 0) {
            reader.saved(context.getCheckpointId(), cut.inbox().positions());
        }
    }

    private String jobId() {
        return getRuntimeContext().getJobInfo().getJobId().toString();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        injected.checkpointCompleted();
        if (reader != null) {
            reader.completed(checkpointId);
        }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        super.notifyCheckpointAborted(checkpointId);
        loop.aborted(checkpointId);
    }

    /**
     * End of a bounded stream (with its own reader, at once: the reader then reads to the end
     * offsets): the group trains every step it can, publishes its final version (unless the
     * collapse alarm holds it), and rank 0 writes the final state for evaluation and export.
     */
    @Override
    public void endInput() throws Exception {
        if (reading == null) {
            inbox.end();
        }
        loop.drain(mailbox);
        loop.withLearner(() -> {
            publishing.atEnd(trainer, rank == 0 ? this::emit : v -> {});
            files.writeFinal(trainer, loop.finalFigures());
        });
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {reader, loop, join, files, learner, trainer}) {
            if (c != null) {
                c.close();
            }
        }
        super.close();
    }
}
