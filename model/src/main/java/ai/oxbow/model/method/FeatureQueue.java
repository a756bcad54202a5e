package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.state.StateVisitor;

/**
 * A ring buffer of K feature rows updated first-in first-out: the MoCo negative queue, the
 * NNCLR support set, the SwAV queue and the Mean Shift memory bank. Rows, write pointer and
 * fill count are trainer state.
 */
public final class FeatureQueue {
    private final NDArray rows;
    private final int capacity;
    private long pointer;
    private long filled;

    public FeatureQueue(NDManager manager, int capacity, int dim) {
        this.capacity = capacity;
        this.rows = manager.zeros(new Shape(capacity, dim));
    }

    /** MoCo's initial queue: random unit vectors (the published implementation does the same). */
    public FeatureQueue fillRandomUnit(NDManager manager) {
        NDArray random = manager.randomNormal(rows.getShape());
        random.div(random.norm(new int[] {1}, true)).copyTo(rows);
        random.close();
        return this;
    }

    /** All K rows (including random initial ones), for use as negatives. */
    public NDArray all() {
        return rows;
    }

    /** Only the rows written so far, or null while empty. */
    public NDArray written() {
        return filled == 0 ? null : filled == capacity ? rows : rows.get(new NDIndex(":{}", filled));
    }

    public long filled() {
        return filled;
    }

    public int capacity() {
        return capacity;
    }

    /** The row the next enqueue writes first: once the queue is full, the oldest row. */
    public long pointer() {
        return pointer;
    }

    /** Writes the batch at the pointer, wrapping around; only the newest K rows are kept. */
    public void enqueue(NDArray batch) {
        long n = batch.getShape().get(0);
        long start = Math.max(0, n - capacity);
        for (long i = start; i < n; ) {
            long run = Math.min(n - i, capacity - pointer);
            rows.set(new NDIndex("{}:{}", pointer, pointer + run), batch.get(new NDIndex("{}:{}", i, i + run)));
            i += run;
            pointer = (pointer + run) % capacity;
        }
        filled = Math.min(capacity, filled + (n - start));
    }

    public void visit(String name, StateVisitor state) {
        state.tensor(name + "/rows", rows);
        pointer = state.scalar(name + "/pointer", pointer);
        filled = state.scalar(name + "/filled", filled);
    }
}
