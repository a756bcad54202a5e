package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;

import org.apache.flink.api.common.operators.MailboxExecutor;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The trainer's own thread: it moves images from the inbox into the learner and trains whenever a
 * step is due. It holds the learner's lock for each admission and step, and not for MinRed's
 * feature pass (before the admission) or the probes (after the step), which read the network
 * only; whoever else reads or replaces the learner takes the lock too ({@link #withLearner}). The
 * lock is fair: a waiting checkpoint gets it before the next step, so a snapshot is always
 * between two steps.
 *
 * <p>A failure of the thread stops it and is rethrown on the task thread by {@link #checkFailure},
 * which fails the task (and so triggers a restore).
 */
final class TrainingLoop implements AutoCloseable {
    private final StreamLearner learner;
    private final PacedInbox inbox;
    private final TrainerMonitor monitor;
    /** After each step, holding the lock: the publish policy. */
    private final Runnable afterStep;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    /** Set at the end of input: wakes the task's mailbox after each step, so that the drain can finish. */
    private volatile Runnable draining;

    TrainingLoop(StreamLearner learner, PacedInbox inbox, TrainerMonitor monitor, Runnable afterStep) {
        this.learner = learner;
        this.inbox = inbox;
        this.monitor = monitor;
        this.afterStep = afterStep;
        this.thread = new Thread(this::run, "oxbow-trainer");
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
     * End of a bounded stream: lets the thread admit the last images and train every step they
     * earned, serving the task's mailbox meanwhile (checkpoints, publications and timers go on).
     */
    void drain(MailboxExecutor mailbox) throws InterruptedException {
        draining = () -> mailbox.execute(() -> { }, "trainer progress");
        while (!inbox.releaseRest()) {
            checkFailure();
            mailbox.yield();
        }
        checkFailure();
    }

    private void run() {
        try {
            while (running) {
                List<ReplayItem> items = inbox.take();
                // Reads the network only, and only this thread changes it: no lock needed. A
                // checkpoint meanwhile saves these images with the inbox.
                float[] features = learner.admissionFeatures(items);
                boolean trained;
                lock.lock();
                try {
                    if (!items.isEmpty()) {
                        learner.admit(items, features);
                        monitor.admitted(items);
                    }
                    inbox.admitted();
                    trained = learner.due();
                    if (trained) {
                        monitor.trained(learner.trainStep());
                        afterStep.run();
                    }
                } finally {
                    lock.unlock();
                }
                if (trained) {
                    monitor.maybeReport(); // the probes read the network only, like the feature pass
                }
                Runnable wake = draining;
                if (wake != null) {
                    wake.run();
                }
                if (!trained) {
                    inbox.idle(() -> running, wake);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            inbox.wake();
            Runnable wake = draining;
            if (wake != null) {
                wake.run();
            }
        }
    }

    /** Stops the thread and waits for it. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        inbox.wake();
        thread.join();
    }
}
