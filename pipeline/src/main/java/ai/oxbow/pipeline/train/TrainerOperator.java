package ai.oxbow.pipeline.ops;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.state.StateFrame;
import ai.oxbow.model.train.StateCodec;
import ai.oxbow.model.train.TrainerConfig;

import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The single stateful trainer (parallelism 1). Images go into an inbox; a training thread of
 * its own moves them into the replay buffer ({@link StreamLearner}) and trains from the buffer.
 * Every K steps or T ms the operator publishes the encoder: an {@link EncoderSnapshot} out to
 * the embedders (broadcast) and the model registry ({@link ModelRegistrySink}).
 *
 * <p>How the input is paced ({@link Pace}):
 * <ul>
 *   <li>{@code backpressure}: the operator reads its own copy of the stream (the job gives the
 *       trainer a source of its own) at the pace of training: it admits the events that pay for
 *       one step (ceil(B / u)), then waits until the steps they earned are done. Every event is
 *       trained on; Flink's back-pressure holds only the trainer's source, and the schedule
 *       depends on the event sequence only, not on thread timing. A checkpoint waits for at most
 *       the steps one admission earned.</li>
 *   <li>{@code sample}: the trainer takes images from the shared stream as they come and never
 *       holds it back; when they arrive faster than it trains, more than a buffer's worth of
 *       waiting images is dropped from the inbox ({@code images_not_admitted}) and the buffer's
 *       policy samples the rest.</li>
 * </ul>
 *
 * <p>Everything the trainer learned (network, optimiser, method buffers, replay buffer, credit,
 * the batch sampled for the next step) is one versioned blob in operator state with its CRC-32C,
 * both checked on restore (the checksum against the bytes read, and the decoded state against
 * them by re-encoding) before the trainer goes on; the inbox is state too. A checkpoint waits
 * for the step in progress, and for that step only: the training thread holds the learner's
 * (fair) lock for the admission and the step, not for the probes, and MinRed's feature pass runs
 * before it takes the lock. So the blob is always between two steps.
 */
public final class TrainerOperator extends AbstractStreamOperator<byte[]>
        implements OneInputStreamOperator<ModelImage, byte[]>, BoundedOneInput {

    /**
     * @param runDir             where CSV series, the final state and trainer events go (optional)
     * @param publishEverySteps  publish the encoder every K steps (0 = by time only)
     * @param publishEveryMs     ... or every T ms (0 = by steps only)
     * @param collapseThreshold  alarm when collapse_std falls below this fraction of 1/sqrt(d)
     * @param holdOnCollapse     publish no new version while the alarm is on
     * @param classes            label classes for the online kNN probe
     * @param expectedImages     images a bounded run expects, for the progress ETA (0 = unknown)
     * @param pace               how the input is paced (see the class comment)
     * @param viewThreads        threads drawing the next batch's views while a step trains
     * @param failAtStep         test hook: fail once at this step after a checkpoint (0 = never)
     */
    public record Options(String runDir, long progressIntervalMs, long publishEverySteps,
                          long publishEveryMs, double collapseThreshold, boolean holdOnCollapse, int classes,
                          long expectedImages, Pace pace, int viewThreads, long failAtStep)
            implements java.io.Serializable {}

    /** How the trainer's input is paced: see the class comment. */
    public enum Pace {
        BACKPRESSURE, SAMPLE;

        public static Pace parse(String name) {
            for (Pace p : values()) {
                if (p.name().equalsIgnoreCase(name)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("--trainer-pace must be backpressure or sample, not '" + name + "'");
        }
    }

    private static final long CHECK_MS = 100;

    private final TrainerConfig config;
    private final ReplayConfig replay;
    private final Augmenter augmenter;
    private final Options options;
    private transient SslTrainer trainer;
    private transient StreamLearner learner;
    /**
     * Held by the training thread for each admission and step, and by whoever reads or replaces
     * the learner. Fair: a waiting checkpoint gets it before the training thread's next step.
     */
    private transient ReentrantLock learnerLock;
    /** Images not yet in the buffer; its monitor also signals "work" and "idle". */
    private transient ArrayDeque<ReplayItem> inbox;
    /** Taken from the inbox, not yet admitted (MinRed's feature pass); checkpointed with the inbox. */
    private transient List<ReplayItem> admitting;
    /**
     * Back-pressure: how many of the inbox's images the training thread may admit. The task
     * thread releases exactly one step's events at a time, so what is admitted before each step
     * does not depend on when the training thread looks. Guarded by the inbox monitor.
     */
    private transient int released;
    private transient boolean workerIdle;
    /** Set by endInput: the training thread wakes the mailbox after each step so that it can finish. */
    private transient volatile Runnable draining;
    private transient volatile boolean running;
    private transient volatile Throwable workerFailure;
    private transient Thread worker;
    private transient ListState<byte[]> learnerState;
    private transient ListState<Long> learnerChecksum;
    /** The job that wrote the state: restored into another, the state forks (see {@link SslTrainer#fork}). */
    private transient ListState<String> writerJob;
    /** CRC-32C of the last blob snapshotted, and of the one restored (-1: none). */
    private transient volatile long snapshotCrc;
    private transient long restoredCrc;
    private transient long restoredCheckpoint;
    /** Milliseconds a checkpoint waited for the learner's lock, and spent encoding the blob. */
    private transient Histogram snapshotWaitMs;
    private transient Histogram snapshotEncodeMs;
    private transient ListState<ModelImage> inboxState;
    private transient long checkpointsCompleted;
    private transient long lastPublishMs;
    /** The task thread's mailbox: where the training thread hands over what must be emitted. */
    private transient MailboxExecutor mailbox;
    private transient boolean announced;
    private transient Counter inboxOverflow;
    private transient TrainerMonitor monitor;

    public TrainerOperator(TrainerConfig config, ReplayConfig replay, Augmenter augmenter, Options options) {
        this.config = config;
        this.replay = replay;
        this.augmenter = augmenter;
        this.options = options;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        var store = context.getOperatorStateStore();
        learnerState = store.getListState(new ListStateDescriptor<>("trainer-state",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        inboxState = store.getListState(new ListStateDescriptor<>("trainer-inbox", TypeInformation.of(ModelImage.class)));
        learnerChecksum = store.getListState(new ListStateDescriptor<>("trainer-state-crc32c", Long.class));
        writerJob = store.getListState(new ListStateDescriptor<>("trainer-job-id", String.class));
        long start = System.nanoTime();
        trainer = new SslTrainer(config);
        learner = new StreamLearner(trainer, augmenter, replay, options.viewThreads());
        learnerLock = new ReentrantLock(true);
        inbox = new ArrayDeque<>();
        admitting = List.of();
        snapshotCrc = -1;
        restoredCrc = -1;
        restoredCheckpoint = context.getRestoredCheckpointId().orElse(-1);
        List<byte[]> stored = new ArrayList<>();
        learnerState.get().forEach(stored::add);
        if (stored.size() > 1) {
            throw new IllegalStateException("trainer state must be one blob, found " + stored.size()
                    + " (was the trainer's parallelism changed from 1?)");
        }
        if (!stored.isEmpty()) {
            byte[] blob = stored.get(0);
            long crc = crc32c(blob);
            List<Long> recorded = new ArrayList<>();
            learnerChecksum.get().forEach(recorded::add);
            // Checked before anything is restored: corrupt bytes must not reach the trainer.
            if (!recorded.isEmpty() && recorded.get(0) != crc) {
                throw new IllegalStateException(String.format("trainer state of checkpoint %d is corrupt: CRC-32C"
                        + " %08x, recorded at snapshot %08x; refusing to restore it", restoredCheckpoint, crc,
                        recorded.get(0)));
            }
            Set<String> reconfigured = learner.restore(blob);
            // A blob of an older format is re-encoded in the current one, and one restored with
            // changed schedule fields records them: only a current blob of the same configuration
            // must re-encode to the same bytes. (A checkpoint of an Oxbow before the replay
            // buffer holds a bare trainer blob.)
            boolean bareTrainer = StateFrame.magic(blob) == StateCodec.MAGIC;
            int version = ByteBuffer.wrap(blob).getInt(4);
            boolean current = version == (bareTrainer ? StateCodec.FORMAT_VERSION : StreamLearner.FORMAT_VERSION);
            if (current && reconfigured.isEmpty()
                    && !Arrays.equals(blob, bareTrainer ? trainer.snapshot() : learner.snapshot())) {
                throw new IllegalStateException("restored trainer state differs from the checkpointed state");
            }
            List<String> writer = new ArrayList<>();
            writerJob.get().forEach(writer::add);
            String forked = "";
            if (!writer.equals(List.of(jobId()))) {
                trainer.fork();
                forked = " forked from job " + (writer.isEmpty() ? "(unrecorded)" : writer.get(0));
            }
            restoredCrc = crc;
            String decoded = !current ? "older-format" : reconfigured.isEmpty() ? "bitwise"
                    : "reconfigured" + reconfigured;
            report(String.format("restored step=%d bytes=%d crc32c=%08x checksum=%s decoded=%s in %d ms lineage=%d%s",
                    trainer.step(), blob.length, crc, recorded.isEmpty() ? "none-recorded" : "verified", decoded,
                    (System.nanoTime() - start) / 1_000_000, trainer.lineage(), forked));
        }
        for (ModelImage img : inboxState.get()) {
            inbox.add(item(img));
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        monitor = new TrainerMonitor(getMetricGroup(), trainer, learner, augmenter, options, this::reportUnchecked);
        inboxOverflow = getMetricGroup().addGroup("oxbow").counter("images_not_admitted");
        var metrics = getMetricGroup().addGroup("oxbow");
        metrics.gauge("trainer_inbox", () -> (long) inbox.size());
        metrics.gauge("trainer_state_crc32c", () -> snapshotCrc);
        metrics.gauge("trainer_restored_crc32c", () -> restoredCrc);
        snapshotWaitMs = metrics.histogram("trainer_snapshot_wait_ms", new DescriptiveStatisticsHistogram(1000));
        snapshotEncodeMs = metrics.histogram("trainer_snapshot_encode_ms", new DescriptiveStatisticsHistogram(1000));
        lastPublishMs = System.currentTimeMillis();
        mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY);
        running = true;
        worker = new Thread(this::trainLoop, "oxbow-trainer");
        worker.setDaemon(true);
        worker.start();
        scheduleChecks();
    }

    @Override
    public void processElement(StreamRecord<ModelImage> element) throws InterruptedException {
        checkWorker();
        synchronized (inbox) {
            inbox.addLast(item(element.getValue()));
            if (options.pace() == Pace.SAMPLE) {
                // Unused images beyond one buffer's worth would be evicted on admission anyway.
                if (inbox.size() > replay.capacity()) {
                    inbox.removeFirst();
                    inboxOverflow.inc();
                }
                inbox.notifyAll();
            } else if (inbox.size() >= eventsPerStep()) {
                // Exactly the events that pay for one step at a time, then the steps they earned:
                // the schedule depends on the event sequence only, not on thread timing.
                releaseAll();
                awaitIdle();
            }
        }
    }

    /** Steps trained so far (for tests of the pacing). */
    long steps() {
        learnerLock.lock();
        try {
            return trainer.step();
        } finally {
            learnerLock.unlock();
        }
    }

    /** Events whose credit pays for one step: ceil(B / u). */
    private int eventsPerStep() {
        return (int) Math.ceil(replay.batch() / replay.updatesPerEvent());
    }

    private static ReplayItem item(ModelImage img) {
        return new ReplayItem(img.id, img.eventTime, img.label, img.chw);
    }

    /** Lets the training thread admit everything in the inbox (call holding its monitor). */
    private void releaseAll() {
        released = inbox.size();
        inbox.notifyAll();
    }

    /** Images the training thread may admit now (call holding the inbox monitor). */
    private int admittable() {
        return options.pace() == Pace.SAMPLE ? inbox.size() : released;
    }

    /** Waits (holding the inbox monitor) until the worker has admitted everything and trained what is due. */
    private void awaitIdle() throws InterruptedException {
        while (!(admittable() == 0 && workerIdle) && workerFailure == null) {
            inbox.wait();
        }
        checkWorker();
    }

    private void trainLoop() {
        try {
            while (running) {
                List<ReplayItem> items;
                synchronized (inbox) {
                    int n = admittable();
                    items = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        items.add(inbox.removeFirst());
                    }
                    released = 0;
                    admitting = items;
                }
                // Reads the network only, and only this thread changes it: no lock needed. A
                // checkpoint meanwhile saves these images with the inbox.
                float[] features = learner.admissionFeatures(items);
                boolean trained;
                learnerLock.lock();
                try {
                    if (!items.isEmpty()) {
                        learner.admit(items, features);
                        monitor.admitted(items);
                    }
                    synchronized (inbox) {
                        admitting = List.of();
                    }
                    trained = learner.due();
                    if (trained) {
                        monitor.trained(learner.step());
                        maybePublish();
                    }
                } finally {
                    learnerLock.unlock();
                }
                if (trained) {
                    monitor.maybeReport(); // the probes read the network only, like the feature pass
                }
                Runnable wake = draining;
                if (wake != null) {
                    wake.run();
                }
                if (!trained) {
                    synchronized (inbox) {
                        if (admittable() == 0 && running) {
                            workerIdle = true;
                            inbox.notifyAll();
                            if (wake != null) {
                                wake.run();
                            }
                            inbox.wait();
                            workerIdle = false;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            workerFailure = t;
            synchronized (inbox) {
                inbox.notifyAll();
            }
            Runnable wake = draining;
            if (wake != null) {
                wake.run();
            }
        }
    }

    /** A failure of the training thread fails the task (and so triggers a restore). */
    private void checkWorker() {
        if (workerFailure != null) {
            throw new IllegalStateException("training thread failed", workerFailure);
        }
    }

    /** Every 100 ms on the task thread: surface a failure of the training thread; the test hook. */
    private void scheduleChecks() {
        long due = getProcessingTimeService().getCurrentProcessingTime() + (announced ? CHECK_MS : 0);
        getProcessingTimeService().registerTimer(due, time -> {
            checkWorker();
            if (!announced) {
                // The embedders need a version to start with; after a restore they may already have it.
                learnerLock.lock();
                try {
                    emit(trainer.publishedSnapshot());
                } finally {
                    learnerLock.unlock();
                }
                announced = true;
            }
            maybeFail();
            scheduleChecks();
        });
    }

    /**
     * On the training thread, after a step: a new encoder version every K steps or T ms, unless
     * the collapse alarm holds it. The version goes out through the task's mailbox; if a
     * checkpoint comes first, the restored trainer announces it again at start.
     */
    private void maybePublish() {
        long now = System.currentTimeMillis();
        long sincePublished = trainer.step() - trainer.publishedStep();
        boolean due = sincePublished > 0 && ((options.publishEverySteps() > 0
                && sincePublished >= options.publishEverySteps())
                || (options.publishEveryMs() > 0 && now - lastPublishMs >= options.publishEveryMs()));
        if (due && !(monitor.alarm() && options.holdOnCollapse())) {
            trainer.publish();
            EncoderSnapshot snapshot = trainer.publishedSnapshot();
            lastPublishMs = now;
            mailbox.execute(() -> emit(snapshot), "publish encoder version %d", snapshot.version());
        }
    }

    private void emit(EncoderSnapshot snapshot) {
        output.collect(new StreamRecord<>(snapshot.encode()));
    }

    /** Test hook: one failure after a checkpoint, on the first attempt only. */
    private void maybeFail() {
        if (options.failAtStep() > 0 && trainer.step() >= options.failAtStep() && checkpointsCompleted > 0
                && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
            throw new IllegalStateException("injected failure at step " + trainer.step());
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkWorker();
        long start = System.nanoTime();
        learnerLock.lock();
        try {
            long locked = System.nanoTime();
            snapshotWaitMs.update((locked - start) / 1_000_000);
            monitor.flush();
            byte[] blob = learner.snapshot();
            long crc = crc32c(blob);
            learnerState.update(List.of(blob));
            learnerChecksum.update(List.of(crc));
            writerJob.update(List.of(jobId()));
            snapshotCrc = crc;
            List<ModelImage> pending = new ArrayList<>();
            synchronized (inbox) {
                for (Iterable<ReplayItem> waiting : List.<Iterable<ReplayItem>>of(admitting, inbox)) {
                    for (ReplayItem i : waiting) {
                        pending.add(new ModelImage(i.id(), i.eventTime(), i.label(), i.pixels()));
                    }
                }
            }
            inboxState.update(pending);
            snapshotEncodeMs.update((System.nanoTime() - locked) / 1_000_000);
        } finally {
            learnerLock.unlock();
        }
    }

    private String jobId() {
        return getRuntimeContext().getJobInfo().getJobId().toString();
    }

    private static long crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        checkpointsCompleted++;
    }

    /**
     * End of a bounded stream: the trainer finishes the steps the stream earned, publishes its
     * final version (unless the collapse alarm holds it) and writes the final state for evaluation
     * and export. While the training thread finishes, the task keeps serving its mailbox, so
     * checkpoints, publications and timers go on.
     */
    @Override
    public void endInput() throws Exception {
        draining = () -> mailbox.execute(() -> { }, "trainer progress");
        while (true) {
            synchronized (inbox) {
                // The last events, fewer than a step's, are admitted too.
                releaseAll();
                if (inbox.isEmpty() && workerIdle) {
                    break;
                }
            }
            checkWorker();
            mailbox.yield();
        }
        checkWorker();
        learnerLock.lock();
        try {
            if (!(monitor.alarm() && options.holdOnCollapse())) {
                trainer.publish();
                emit(trainer.publishedSnapshot());
            }
        } finally {
            learnerLock.unlock();
        }
        if (options.runDir() != null) {
            Path dir = Path.of(options.runDir());
            Files.createDirectories(dir);
            Path tmp = dir.resolve("final-state.bin.tmp");
            learnerLock.lock();
            try {
                Files.write(tmp, trainer.snapshot());
                Files.move(tmp, dir.resolve("final-state.bin"), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
                TrainerSummary.write(dir, trainer, learner);
            } finally {
                learnerLock.unlock();
            }
        }
    }

    private void reportUnchecked(String line) {
        try {
            report(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void report(String line) throws IOException {
        LOG.info("trainer {}", line);
        if (options.runDir() != null) {
            Path dir = Path.of(options.runDir());
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("trainer-events.log"), Instant.now() + " " + line + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        if (worker != null) {
            synchronized (inbox) {
                inbox.notifyAll();
            }
            worker.join();
            worker = null;
        }
        if (monitor != null) {
            monitor.close();
            monitor = null;
        }
        if (learner != null) {
            learner.close();
            learner = null;
        }
        if (trainer != null) {
            trainer.close();
            trainer = null;
        }
        super.close();
    }
}
