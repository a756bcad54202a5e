package ai.oxbow.model.dist;

import java.nio.ByteBuffer;

/** A group of one: every collective is the identity, with no socket and no copy. */
final class SingleRankCollectives implements Collectives {
    private final long generation;
    private volatile boolean closed;
    private volatile CollectiveTime total = CollectiveTime.ZERO;

    SingleRankCollectives(long generation) {
        this.generation = generation;
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public float[] allReduceSum(float[] local) {
        count();
        return local;
    }

    @Override
    public void allReduceSumInPlace(ByteBuffer data) {
        FloatBytes.requireWritableFloats(data);
        count();
    }

    @Override
    public float[][] allGather(float[] local) {
        count();
        return new float[][] {local};
    }

    @Override
    public byte[][] allGatherBytes(byte[] local) {
        count();
        return new byte[][] {local};
    }

    @Override
    public CollectiveTime lastTime() {
        return total.calls() == 0 ? CollectiveTime.ZERO : new CollectiveTime(1, 0, 0);
    }

    @Override
    public CollectiveTime totalTime() {
        return total;
    }

    @Override
    public void close() {
        closed = true;
    }

    private void count() {
        if (closed) {
            throw new CollectiveException("rank 0 of 1 (generation " + generation + "): the group is closed");
        }
        total = new CollectiveTime(total.calls() + 1, 0, 0);
    }
}
