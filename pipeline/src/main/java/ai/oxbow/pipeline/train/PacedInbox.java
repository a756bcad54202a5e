package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.pipeline.train.TrainerOptions.Pace;

import org.apache.flink.metrics.Counter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The trainer's images not yet in the replay buffer, handed from the task thread, which offers
 * them, to the training thread, which takes them; paced as {@link Pace} says. Its monitor also
 * carries the signals between the two: "work" (images may be taken) and "idle" (the training
 * thread took everything it may and trained what was due).
 */
final class PacedInbox {
    private final Pace pace;
    /** Events whose credit pays for one step: ceil(B / u). */
    private final int eventsPerStep;
    /** SAMPLE: images beyond one buffer's worth would be evicted on admission anyway. */
    private final int capacity;
    private final Counter dropped;
    private final ArrayDeque<ReplayItem> waiting = new ArrayDeque<>();
    /** Taken, not yet admitted (MinRed's feature pass): a checkpoint saves them with the waiting ones. */
    private List<ReplayItem> admitting = List.of();
    /**
     * BACKPRESSURE: how many of the waiting images the training thread may take. The task thread
     * releases exactly one step's events at a time, so what is admitted before each step does not
     * depend on when the training thread looks.
     */
    private int released;
    private boolean takerIdle;

    /** @param dropped counts the images SAMPLE drops */
    PacedInbox(Pace pace, ReplayConfig replay, Counter dropped) {
        this.pace = pace;
        this.eventsPerStep = (int) Math.ceil(replay.batch() / replay.updatesPerEvent());
        this.capacity = replay.capacity();
        this.dropped = dropped;
    }

    /** Images a restored trainer had not admitted yet, before the training thread starts. */
    synchronized void restore(List<ReplayItem> items) {
        waiting.addAll(items);
    }

    /**
     * On the task thread, the next image. BACKPRESSURE: once it completes a step's events, returns
     * when the training thread has admitted them and trained the steps they earned (or failed).
     */
    synchronized void offer(ReplayItem item, BooleanSupplier failed) throws InterruptedException {
        waiting.addLast(item);
        if (pace == Pace.SAMPLE) {
            if (waiting.size() > capacity) {
                waiting.removeFirst();
                dropped.inc();
            }
            notifyAll();
        } else if (waiting.size() >= eventsPerStep) {
            releaseAll();
            while (!(takeable() == 0 && takerIdle) && !failed.getAsBoolean()) {
                wait();
            }
        }
    }

    /** On the training thread: every image it may admit now, held as being admitted until {@link #admitted}. */
    synchronized List<ReplayItem> take() {
        int n = takeable();
        List<ReplayItem> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add(waiting.removeFirst());
        }
        released = 0;
        admitting = items;
        return items;
    }

    /** The images last taken are in the replay buffer. */
    synchronized void admitted() {
        admitting = List.of();
    }

    /**
     * On the training thread, with nothing due: unless there is work or it should stop, signals
     * idle (also to {@code onIdle}) and waits for the next signal.
     */
    synchronized void idle(BooleanSupplier running, Runnable onIdle) throws InterruptedException {
        if (takeable() == 0 && running.getAsBoolean()) {
            takerIdle = true;
            notifyAll();
            if (onIdle != null) {
                onIdle.run();
            }
            wait();
            takerIdle = false;
        }
    }

    /**
     * End of input: lets the training thread take every image, the last ones fewer than a step's.
     *
     * @return whether it took them all and went idle
     */
    synchronized boolean releaseRest() {
        releaseAll();
        return waiting.isEmpty() && takerIdle;
    }

    /** What a checkpoint saves: the images being admitted, then the waiting ones. */
    synchronized List<ReplayItem> pending() {
        List<ReplayItem> all = new ArrayList<>(admitting);
        all.addAll(waiting);
        return all;
    }

    synchronized int size() {
        return waiting.size();
    }

    /** Wakes whoever waits on the inbox: the training thread to stop, the task thread to see a failure. */
    synchronized void wake() {
        notifyAll();
    }

    private void releaseAll() {
        released = waiting.size();
        notifyAll();
    }

    private int takeable() {
        return pace == Pace.SAMPLE ? waiting.size() : released;
    }
}
