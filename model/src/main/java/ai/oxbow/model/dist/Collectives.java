package ai.oxbow.model.dist;

import java.nio.ByteBuffer;

/**
 * One rank of a group of {@link #size()} ranks training in lockstep. Every rank calls the same collectives in the
 * same order, from one thread at a time; each call blocks until this rank has its result. Any failure (a peer gone
 * or silent, ranks out of step, {@link #close()}) fails the call in progress and every later one with a
 * {@link CollectiveException} naming the peer.
 */
public interface Collectives extends AutoCloseable {
    int rank();

    int size();

    /** The attempt this group belongs to: peers of another generation are refused. */
    long generation();

    /**
     * The element-wise sum over ranks, added in rank order {@code ((x0 + x1) + x2) + ...}: the same bits on every
     * rank and in every run. {@code local} must have the same length on every rank and is left as it is; at size 1
     * the result is {@code local} itself.
     */
    float[] allReduceSum(float[] local);

    /**
     * {@link #allReduceSum(float[])} in place, sparing the two copies between {@code float[]} and bytes: the
     * remaining bytes of {@code data}, little-endian floats (order {@code LITTLE_ENDIAN}), become the sum. Position
     * and limit stay. A direct buffer, such as a tensor's {@code toByteBuffer()}, is sent without a copy in Java.
     */
    void allReduceSumInPlace(ByteBuffer data);

    /** Every rank's array, by rank; lengths may differ. The entry of this rank is {@code local} itself. */
    float[][] allGather(float[] local);

    /** Every rank's bytes, by rank, in one message each way: for small control headers. */
    byte[][] allGatherBytes(byte[] local);

    /** How long the last collective took and how much of it was spent waiting on the network. */
    CollectiveTime lastTime();

    /** The same, summed over every collective since the group formed. */
    CollectiveTime totalTime();

    /**
     * Leaves the group: peers fail with this rank named, a call blocked in another thread fails at once. Idempotent;
     * on return no thread or socket of this rank is left.
     */
    @Override
    void close();
}
