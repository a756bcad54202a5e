package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.dist.Collectives;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Synchronous data parallelism for one trainer of a group: each rank trains its slice of the
 * global batch, batch-coupled quantities are gathered from every rank before a loss couples
 * them ({@link #gather}), and the gradients are summed over the ranks before the update
 * ({@link #sumGradients}). Every rank computes the same global loss on the same gathered rows, so
 * the sum of the ranks' gradients, each through its own rows only, is the gradient of that loss:
 * the update of one trainer on the whole batch, up to summation order. Per-rank BatchNorm
 * statistics (the DistributedDataParallel default); the running statistics are averaged after each
 * step so that every rank holds the same state.
 */
public final class DataParallel {
    private static final NDIndex ALL = new NDIndex(":");
    private final Collectives group;
    /** Images each rank trains in the current step, by rank. */
    private int[] rows = new int[0];
    /** Nanoseconds spent in collectives since the last {@link #takeExchangeNanos}. */
    private long exchangeNanos;

    public DataParallel(Collectives group) {
        this.group = group;
    }

    public int rank() {
        return group.rank();
    }

    public int size() {
        return group.size();
    }

    /** Starts a step of {@code localImages} images here: every rank's count, by rank; returns the sum. */
    int beginStep(int localImages) {
        long start = System.nanoTime();
        byte[][] counts =
                group.allGatherBytes(ByteBuffer.allocate(4).putInt(localImages).array());
        exchangeNanos += System.nanoTime() - start;
        rows = new int[counts.length];
        int total = 0;
        for (int r = 0; r < counts.length; r++) {
            rows[r] = ByteBuffer.wrap(counts[r]).getInt();
            total += rows[r];
        }
        return total;
    }

    /** This rank's first row in the global batch of the current step. */
    public int rowOffset() {
        int offset = 0;
        for (int r = 0; r < group.rank(); r++) {
            offset += rows[r];
        }
        return offset;
    }

    /** This rank's share of the current step's images, for losses that average over images. */
    public float share() {
        int total = 0;
        for (int n : rows) {
            total += n;
        }
        return (float) rows[group.rank()] / total;
    }

    /**
     * Each array (rows of this rank's images, any trailing shape) with every rank's rows in rank
     * order, in one exchange. This rank's rows stay the arrays given, so gradients reach them;
     * the others' are constants.
     */
    public List<NDArray> gather(List<NDArray> local) {
        long start = System.nanoTime();
        long rowsHere = local.get(0).getShape().get(0);
        int total = 0;
        for (NDArray a : local) {
            total += (int) a.size();
        }
        float[] flat = new float[total];
        int at = 0;
        for (NDArray a : local) {
            float[] values = a.toFloatArray();
            System.arraycopy(values, 0, flat, at, values.length);
            at += values.length;
        }
        float[][] all = group.allGather(flat);
        exchangeNanos += System.nanoTime() - start;
        NDManager manager = local.get(0).getManager();
        List<NDList> parts = new ArrayList<>(local.size());
        local.forEach(a -> parts.add(new NDList()));
        for (int r = 0; r < all.length; r++) {
            long rowsThere = all[r].length / (total / rowsHere);
            int from = 0;
            for (int v = 0; v < local.size(); v++) {
                NDArray a = local.get(v);
                if (r == group.rank()) {
                    parts.get(v).add(a);
                    continue;
                }
                Shape shape = a.getShape();
                long perRow = shape.size() / shape.get(0);
                int count = (int) (rowsThere * perRow);
                float[] slice = new float[count];
                System.arraycopy(all[r], from, slice, 0, count);
                from += count;
                long[] dims = shape.getShape().clone();
                dims[0] = rowsThere;
                parts.get(v).add(manager.create(slice, new Shape(dims)));
            }
        }
        List<NDArray> out = new ArrayList<>(local.size());
        for (NDList p : parts) {
            out.add(NDArrays.concat(p, 0));
        }
        return out;
    }

    /** Replaces each gradient by its sum over the ranks (in rank order: the same bits everywhere). */
    void sumGradients(List<NDArray> gradients) {
        replaceBySum(gradients, 1f);
    }

    /** Replaces each buffer by its mean over the ranks (e.g. BatchNorm running statistics). */
    void averageBuffers(List<NDArray> buffers) {
        replaceBySum(buffers, 1f / group.size());
    }

    private void replaceBySum(List<NDArray> arrays, float scale) {
        if (arrays.isEmpty()) {
            return;
        }
        NDList flat = new NDList();
        arrays.forEach(a -> flat.add(a.reshape(-1)));
        try (NDArray joined = NDArrays.concat(flat)) {
            long start = System.nanoTime();
            // The sum is written straight into the joined array's memory: no copy through Java arrays.
            group.allReduceSumInPlace(joined.toByteBuffer(true));
            exchangeNanos += System.nanoTime() - start;
            NDArray summed = scale == 1f ? joined : joined.mul(scale);
            long at = 0;
            for (NDArray a : arrays) {
                // An indexed put copies into the array's own storage; copyTo would point the array
                // at a Java buffer that lives only as long as this handle (and gradient handles are
                // transient).
                a.set(ALL, summed.get(new NDIndex("{}:{}", at, at + a.size())).reshape(a.getShape()));
                at += a.size();
            }
        }
    }

    /** Nanoseconds spent in collectives since the last call. */
    public long takeExchangeNanos() {
        long n = exchangeNanos;
        exchangeNanos = 0;
        return n;
    }
}
