package ai.oxbow.model.dist;

import static ai.oxbow.model.dist.AllReduceSumTest.assertBitsEqual;
import static ai.oxbow.model.dist.AllReduceSumTest.inputs;
import static ai.oxbow.model.dist.AllReduceSumTest.rankOrderSum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AllGatherTest {
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void gathersArraysOfUnevenLengthsByRank(int size) throws Exception {
        // Rank 1 has nothing to give; the others differ in length.
        float[][] inputs = new float[size][];
        for (int rank = 0; rank < size; rank++) {
            inputs[rank] = inputs(1, rank == 1 ? 0 : 1000 * rank + 7, rank)[0];
        }
        try (LoopbackGroup group = LoopbackGroup.form(size, TransportOptions.DEFAULTS)) {
            List<float[][]> gathered = group.onEveryRank(c -> c.allGather(inputs[c.rank()]));
            for (int rank = 0; rank < size; rank++) {
                assertSame(inputs[rank], gathered.get(rank)[rank], "this rank's own entry is its input");
                for (int from = 0; from < size; from++) {
                    assertBitsEqual(inputs[from], gathered.get(rank)[from], "rank " + rank + " from " + from);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void gathersSmallHeadersByRank(int size) throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(size, TransportOptions.DEFAULTS)) {
            List<byte[][]> gathered = group.onEveryRank(c -> c.allGatherBytes(header(c.rank())));
            for (byte[][] all : gathered) {
                for (int from = 0; from < size; from++) {
                    assertArrayEquals(header(from), all[from]);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void manyConsecutiveCollectivesOfAllKindsStayInStep(int size) throws Exception {
        int steps = 300;
        try (LoopbackGroup group = LoopbackGroup.form(size, TransportOptions.DEFAULTS)) {
            List<Long> checked = group.onEveryRank(c -> {
                long count = 0;
                for (int step = 0; step < steps; step++) {
                    // What every rank will have contributed at this step, computed alike on each.
                    float[][] gradients = inputs(size, 17 * step % 500, step);
                    float[][] projections = new float[size][];
                    for (int rank = 0; rank < size; rank++) {
                        projections[rank] = inputs(1, (step + rank) % 9, 1000L * step + rank)[0];
                    }
                    byte[][] headers = c.allGatherBytes(header(step * size + c.rank()));
                    float[] sum = c.allReduceSum(gradients[c.rank()]);
                    float[][] gathered = c.allGather(projections[c.rank()]);
                    for (int rank = 0; rank < size; rank++) {
                        assertArrayEquals(header(step * size + rank), headers[rank]);
                        assertBitsEqual(projections[rank], gathered[rank], "step " + step);
                    }
                    assertBitsEqual(rankOrderSum(gradients), sum, "step " + step);
                    count += 3;
                }
                return count;
            });
            for (int rank = 0; rank < size; rank++) {
                assertEquals(3L * steps, checked.get(rank));
                assertEquals(3L * steps, group.ranks.get(rank).totalTime().calls());
            }
        }
    }

    private static byte[] header(int id) {
        return id == 1 ? new byte[0] : ("step " + id).getBytes(StandardCharsets.UTF_8);
    }
}
