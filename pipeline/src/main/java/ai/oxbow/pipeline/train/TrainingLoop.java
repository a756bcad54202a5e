package ai.oxbow.pipeline.train;

import ai.oxbow.model.dist.Collectives;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.state.Crc32c;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.flink.api.common.operators.MailboxExecutor;

/**
 * A trainer rank's own thread: it moves images from the inbox into the learner and trains. Alone
 * it trains whenever a step is due; in a group of N ranks, every boundary between two steps is a
 * {@link Round}: the ranks exchange a few bytes and decide alike whether to cut for a checkpoint,
 * publish, train the next step together (gradients summed over the ranks,
 * {@link ai.oxbow.model.train.DataParallel}) or wait. A rank with nothing new waits for its inbox at
 * most {@value #ROUND_MS} ms before the next round, so a rank that became due is never left waiting
 * for one that has nothing to say.
 *
 * <p>Checkpoints are cut at one step for every rank: the task thread asks for a cut
 * ({@link #cut}) and waits; the request goes to every rank with the next round, and every rank
 * takes its cut at the same boundary, at most one step after the one in progress. A cut is the
 * learner between two steps with the inbox and the reader's positions at that moment, so it is
 * consistent whatever the rank read meanwhile. Before the group has formed no rank can step, so a
 * cut is the restored state itself and the task thread takes it.
 *
 * <p>The thread holds the learner's lock for each admission, step and cut; whoever else reads the
 * learner takes it too ({@link #withLearner}). A failure stops the thread and is rethrown on the task
 * thread by {@link #checkFailure}, which fails the task (and so triggers a restore); a peer that is
 * gone fails the next exchange within the transport's timeout.
 */
final class TrainingLoop implements AutoCloseable {
    /** The most a rank waits for its inbox before the next round of a group. */
    static final long ROUND_MS = 20;

    /**
     * A rank's state between two steps.
     *
     * @param trainer the trainer's blob (rank 0; null elsewhere)
     * @param learner the rank's learner beyond the trainer
     */
    record Cut(long step, byte[] trainer, byte[] learner, Inbox.Snapshot inbox) {}

    /** Joins the group (null alone). */
    interface Join {
        Collectives connect() throws Exception;
    }

    private final StreamLearner learner;
    private final SslTrainer trainer;
    private final Inbox inbox;
    private final TrainerMonitor monitor;
    private final PublishPolicy publishing;
    /** Where a version published goes: rank 0's output (elsewhere nowhere). */
    private final Consumer<EncoderSnapshot> emit;

    private final int rank;
    private final int ranks;
    private final Join join;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Thread thread;
    /** The group's collectives while it trains: closing them wakes a thread blocked in an exchange. */
    private volatile Collectives group;

    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile boolean finished;
    /** The replay figures of the whole group at the end of a bounded stream (alone: this learner's). */
    private volatile Map<String, Number> finalFigures;
    /** Set at the end of input: wakes the task's mailbox after each round, so that the drain can finish. */
    private volatile Runnable draining;

    private final Object cuts = new Object();
    /** Cuts taken and not handed out yet, by checkpoint. */
    private final TreeMap<Long, Cut> made = new TreeMap<>();
    /** A checkpoint the task thread waits for and no cut has been taken of; -1: none. */
    private long requested = -1;
    /** Rounds run (the group formed): cuts are this thread's to take. */
    private boolean inGroup;

    TrainingLoop(
            StreamLearner learner,
            SslTrainer trainer,
            Inbox inbox,
            TrainerMonitor monitor,
            PublishPolicy publishing,
            Consumer<EncoderSnapshot> emit,
            int rank,
            int ranks,
            Join join) {
        this.learner = learner;
        this.trainer = trainer;
        this.inbox = inbox;
        this.monitor = monitor;
        this.publishing = publishing;
        this.emit = emit;
        this.rank = rank;
        this.ranks = ranks;
        this.join = join;
        this.thread = new Thread(this::run, "oxbow-trainer-" + rank);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** What may run between two steps (see {@link #withLearner}). */
    interface LearnerAction {
        void run() throws Exception;
    }

    /** Runs {@code action} holding the learner's lock: between two steps. */
    void withLearner(LearnerAction action) throws Exception {
        withLearner(() -> {
            action.run();
            return null;
        });
    }

    /** Reads the learner (or its trainer) holding its lock. */
    <T> T withLearner(Callable<T> read) throws Exception {
        lock.lock();
        try {
            return read.call();
        } finally {
            lock.unlock();
        }
    }

    boolean failed() {
        return failure != null;
    }

    /** Rethrows, on the calling (task) thread, a failure of the training thread. */
    void checkFailure() {
        if (failure != null) {
            throw new IllegalStateException("training thread failed", failure);
        }
    }

    /**
     * On the task thread, for checkpoint {@code id}: this rank's cut, taken at the same step as every
     * other rank's. Waits for the step in progress, and at most one more.
     */
    Cut cut(long id) throws Exception {
        synchronized (cuts) {
            if (!inGroup) {
                // Before the first round (or after the last) no rank steps: the cut is at the same
                // step everywhere. The first round still announces it, so that a rank asked later
                // for this checkpoint cuts at that step too.
                requested = Math.max(requested, id);
                return withLearner(this::takeCut);
            }
            if (!made.containsKey(id)) {
                requested = Math.max(requested, id);
                inbox.changed();
            }
            while (!made.containsKey(id)) {
                checkFailure();
                cuts.wait(100);
            }
            Cut cut = made.get(id);
            made.headMap(id, true).clear();
            return cut;
        }
    }

    /** A checkpoint that will not complete: its cut, if taken, is dropped. */
    void aborted(long id) {
        synchronized (cuts) {
            made.remove(id);
        }
    }

    /** The replay figures of the whole group once {@link #finished}. */
    Map<String, Number> finalFigures() {
        return finalFigures;
    }

    /** Whether the end of a bounded stream has been trained to the last step the group could take. */
    boolean finished() {
        return finished;
    }

    /**
     * End of a bounded stream: waits until the group has trained every step it can, serving the
     * task's mailbox meanwhile (checkpoints, publications and timers go on).
     */
    void drain(MailboxExecutor mailbox) throws InterruptedException {
        draining = () -> mailbox.execute(() -> {}, "trainer progress");
        while (!finished) {
            checkFailure();
            mailbox.yield();
        }
        checkFailure();
    }

    private void run() {
        try (Collectives group = join.connect()) {
            this.group = group;
            if (group != null) {
                trainer.distribute(group);
                sameModelEverywhere(group);
            }
            synchronized (cuts) {
                inGroup = true;
            }
            while (running && !finished) {
                long seen = inbox.changes();
                admit();
                long roundStart = System.nanoTime();
                Round.Header mine = new Round.Header(
                        learner.due(),
                        inbox.exhausted(),
                        request(),
                        group != null && rank == 0 && publishing.wanted(trainer, System.currentTimeMillis()));
                Round.Decision d = Round.decide(group == null ? List.of(mine) : exchange(group, mine));
                long roundNanos = System.nanoTime() - roundStart;
                if (!d.cuts().isEmpty()) {
                    Cut cut = withLearner(this::takeCut);
                    synchronized (cuts) {
                        d.cuts().forEach(id -> made.put(id, cut));
                        if (d.cuts().contains(requested)) {
                            requested = -1;
                        }
                        cuts.notifyAll();
                    }
                }
                if (d.publish()) {
                    withLearner(() -> publishing.publish(trainer, System.currentTimeMillis(), emit));
                }
                if (d.step()) {
                    step(roundNanos);
                } else if (d.finished()) {
                    // Every rank decided so in this round: none will step again, so the state stays
                    // as it is and the task thread takes any later cut itself.
                    finalFigures =
                            group == null ? ReplayFigures.values(learner) : ReplayFigures.ofGroup(group, learner);
                    synchronized (cuts) {
                        inGroup = false;
                        finished = true;
                    }
                }
                Runnable wake = draining;
                if (wake != null) {
                    wake.run();
                }
                if (!d.step()) {
                    inbox.awaitChange(seen, group == null ? Long.MAX_VALUE : ROUND_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (!running) {
                return; // closing: a peer closing first fails the exchange in progress
            }
            failure = t;
            synchronized (cuts) {
                cuts.notifyAll();
            }
            inbox.changed();
            Runnable wake = draining;
            if (wake != null) {
                wake.run();
            }
        }
    }

    /** Takes the next step's images into the learner, unless a step is due first. */
    private void admit() throws Exception {
        if (learner.due()) {
            return;
        }
        List<ReplayItem> items = inbox.take();
        if (items.isEmpty()) {
            return;
        }
        // Reads the network only, and only this thread changes it: no lock needed. A cut
        // meanwhile saves these images with the inbox.
        float[] features = learner.admissionFeatures(items);
        withLearner(() -> {
            learner.admit(items, features);
            monitor.admitted(items);
            inbox.admitted();
        });
    }

    private void step(long roundNanos) throws Exception {
        long start = System.nanoTime();
        withLearner(() -> {
            monitor.trained(learner.trainStep());
            if (ranks == 1) {
                publishing.afterStep(trainer, System.currentTimeMillis(), emit);
            }
        });
        long exchange = trainer.parallel() == null ? 0 : trainer.parallel().takeExchangeNanos() + roundNanos;
        monitor.exchanged(exchange, System.nanoTime() - start + roundNanos);
        monitor.maybeReport(); // the probes read the network only, like the feature pass
    }

    private long request() {
        synchronized (cuts) {
            return requested;
        }
    }

    private Cut takeCut() {
        return new Cut(
                trainer.steps(), rank == 0 ? trainer.snapshot() : null, learner.snapshotRank(), inbox.snapshot());
    }

    private static List<Round.Header> exchange(Collectives group, Round.Header mine) {
        List<Round.Header> all = new ArrayList<>();
        for (byte[] h : group.allGatherBytes(mine.encode())) {
            all.add(Round.Header.decode(h));
        }
        return all;
    }

    /** Every rank restored the same trainer, bit for bit: the same step and the same checksum of its state. */
    private void sameModelEverywhere(Collectives group) {
        long crc = Crc32c.of(trainer.snapshot());
        byte[][] all = group.allGatherBytes(
                ByteBuffer.allocate(16).putLong(trainer.steps()).putLong(crc).array());
        for (int r = 0; r < all.length; r++) {
            ByteBuffer b = ByteBuffer.wrap(all[r]);
            long step = b.getLong();
            long sum = b.getLong();
            if (step != trainer.steps() || sum != crc) {
                throw new IllegalStateException(String.format(
                        "the trainer group holds different models: rank %d at"
                                + " step %d with state CRC-32C %08x, rank %d at step %d with %08x",
                        rank, trainer.steps(), crc, r, step, sum));
            }
        }
    }

    /** Stops the thread and waits for it. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        inbox.close();
        Collectives g = group;
        if (g != null) {
            g.close();
        }
        thread.join();
    }
}
