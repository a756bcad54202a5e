package ai.oxbow.model.dist;

/**
 * The ranks of one data-parallel group and the collectives they call, every rank the same calls
 * in the same order. Results are bitwise identical on every rank: sums add the ranks' values in
 * rank order, whatever the transport.
 */
public interface Collective extends AutoCloseable {
    int rank();

    int size();

    /** Element-wise sum over the ranks, added in rank order 0, 1, ..., N - 1 (same length everywhere). */
    float[] allReduceSum(float[] local);

    /** Every rank's array, by rank (lengths may differ). */
    float[][] allGather(float[] local);

    /** Every rank's bytes, by rank: small control messages. */
    byte[][] allGatherBytes(byte[] local);

    @Override
    void close();
}
