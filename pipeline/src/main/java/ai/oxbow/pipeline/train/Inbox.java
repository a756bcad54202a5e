package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.state.GroupCodec.Partition;
import ai.oxbow.pipeline.train.TrainerOptions.Pace;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;

/**
 * A rank's images not yet in its replay buffer, between whoever reads them and the training
 * thread, which takes them as {@link Pace} says:
 * <ul>
 *   <li>{@code BACKPRESSURE}: the rank's own reader ({@link TrainerReader}) puts images and the
 *       positions they were read at; it waits while {@link #bound} images wait. The training thread
 *       takes exactly the events that pay for one step (ceil(B / u)), and the last ones, fewer,
 *       once the reader has reached the end of a bounded stream: what is admitted before each step
 *       depends on the event sequence only.</li>
 *   <li>{@code SAMPLE}: the task thread offers the shared stream's images as they come; more than
 *       a buffer's worth of waiting images is dropped (oldest first), and the training thread takes
 *       all that wait.</li>
 * </ul>
 * Its monitor also tells the training thread that something changed ({@link #awaitChange}).
 * Images and reader positions change together, so {@link #snapshot} is always consistent.
 */
final class Inbox {
    private final Pace pace;
    /** Events whose credit pays for one step: ceil(B / u). */
    private final int eventsPerStep;
    /** SAMPLE: images beyond one buffer's worth would be evicted on admission anyway. */
    private final int capacity;
    /** BACKPRESSURE: the most images the reader reads ahead. */
    private final int bound;

    private final Counter dropped;
    private final ArrayDeque<ReplayItem> waiting = new ArrayDeque<>();
    /** Taken, not yet admitted (MinRed's feature pass): a snapshot saves them with the waiting ones. */
    private List<ReplayItem> admitting = List.of();

    private final Map<Integer, Partition> positions = new TreeMap<>();
    private boolean ended;
    private boolean closed;
    /** Bumped by anything the training thread may want to look at again. */
    private long changes;

    /** @param dropped counts the images SAMPLE drops */
    Inbox(Pace pace, ReplayConfig replay, Counter dropped) {
        this.pace = pace;
        this.eventsPerStep = (int) Math.ceil(replay.batch() / replay.updatesPerEvent());
        this.capacity = replay.capacity();
        this.bound = Math.max(2 * eventsPerStep, 64);
        this.dropped = dropped;
    }

    /** What a restored rank had read and not admitted, and where its reader stood. */
    synchronized void restore(List<ReplayItem> items, Map<Integer, Partition> restoredPositions) {
        waiting.addAll(items);
        positions.putAll(restoredPositions);
    }

    /** Reader: an image of this rank's share; the partition's next offset. Waits while the inbox is full. */
    synchronized void put(ReplayItem item, int partition, Partition next) throws InterruptedException {
        while (waiting.size() >= bound && !closed) {
            wait();
        }
        waiting.addLast(item);
        positions.put(partition, next);
        changed();
    }

    /** Reader: a record passed over (another rank's, or invalid). */
    synchronized void skip(int partition, Partition next) {
        positions.put(partition, next);
    }

    /** Reader: a bounded stream's end is reached. */
    synchronized void end() {
        ended = true;
        changed();
    }

    /** Task thread, SAMPLE: the next image of the shared stream. */
    synchronized void offer(ReplayItem item) {
        waiting.addLast(item);
        if (waiting.size() > capacity) {
            waiting.removeFirst();
            dropped.inc();
        }
        changed();
    }

    /**
     * Training thread: the images to admit now, held as being admitted until {@link #admitted}.
     * BACKPRESSURE: one step's events, or the rest after the end; none while fewer wait.
     */
    synchronized List<ReplayItem> take() {
        int n = pace == Pace.SAMPLE
                ? waiting.size()
                : waiting.size() >= eventsPerStep ? eventsPerStep : ended ? waiting.size() : 0;
        List<ReplayItem> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add(waiting.removeFirst());
        }
        admitting = items;
        notifyAll();
        return items;
    }

    /** The images last taken are in the replay buffer. */
    synchronized void admitted() {
        admitting = List.of();
    }

    /** Whether every image this rank will ever get has been taken (a bounded stream's end). */
    synchronized boolean exhausted() {
        return ended && waiting.isEmpty();
    }

    /** Counts anything the training thread waits for: images, the end, a checkpoint, a stop. */
    synchronized void changed() {
        changes++;
        notifyAll();
    }

    synchronized long changes() {
        return changes;
    }

    /** Training thread: waits until something changed since {@code seen}, at most {@code millis}. */
    synchronized void awaitChange(long seen, long millis) throws InterruptedException {
        long until = millis == Long.MAX_VALUE ? Long.MAX_VALUE : System.currentTimeMillis() + millis;
        while (changes == seen && !closed) {
            long left = until - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            wait(until == Long.MAX_VALUE ? 0 : left);
        }
    }

    /** What a checkpoint saves: the images being admitted, then the waiting ones; the reader's positions. */
    synchronized Snapshot snapshot() {
        List<ReplayItem> all = new ArrayList<>(admitting);
        all.addAll(waiting);
        return new Snapshot(all, new TreeMap<>(positions));
    }

    record Snapshot(List<ReplayItem> pending, Map<Integer, Partition> positions) {}

    synchronized Map<Integer, Partition> positions() {
        return new TreeMap<>(positions);
    }

    /** Images not in the replay buffer yet: waiting, and taken but not yet admitted. */
    synchronized int size() {
        return waiting.size() + admitting.size();
    }

    /** Wakes and releases everyone waiting: the task is closing. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
