package ai.oxbow.model.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AllReduceSumTest {
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void sumsInRankOrderBitForBitOnEveryRank(int size) throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(size, TransportOptions.DEFAULTS)) {
            // Empty, shorter than the group, not divisible by it, and long.
            for (int length : new int[] {0, 1, size - 1, size + 1, 1003, 65_537}) {
                assertSumsInRankOrder(group, inputs(size, length, length), Collectives::allReduceSum);
            }
        }
    }

    @Test
    void theReferenceOrderMatters() {
        // Without this the test above could not tell rank order from any other.
        float[][] inputs = inputs(3, 10_000, 1);
        float[] reversed = inputs[2].clone();
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = (reversed[i] + inputs[1][i]) + inputs[0][i];
        }
        assertFalse(Arrays.equals(rankOrderSum(inputs), reversed));
    }

    @Test
    void keepsNegativeZeroAsAPlainSumWould() throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(2, TransportOptions.DEFAULTS)) {
            List<float[]> sums = group.onEveryRank(c -> c.allReduceSum(new float[] {-0.0f, -0.0f, 0.0f, Float.NaN}));
            for (float[] sum : sums) {
                assertBitsEqual(new float[] {-0.0f, -0.0f, 0.0f, Float.NaN}, sum, "signed zeros");
            }
        }
    }

    @Test
    void leavesTheInputAsItIs() throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(2, TransportOptions.DEFAULTS)) {
            float[][] inputs = inputs(2, 101, 3);
            float[][] copies = {inputs[0].clone(), inputs[1].clone()};
            group.onEveryRank(c -> c.allReduceSum(inputs[c.rank()]));
            assertArrayEquals(copies[0], inputs[0]);
            assertArrayEquals(copies[1], inputs[1]);
        }
    }

    @Test
    void sumsInPlaceIntoDirectAndHeapBuffers() throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(3, TransportOptions.DEFAULTS)) {
            assertSumsInRankOrder(group, inputs(3, 10_001, 4), AllReduceSumTest::sumInPlace);
        }
    }

    @Test
    void sumsLargeArrays() throws Exception {
        float[][] inputs = inputs(3, 12_000_001, 5);
        try (LoopbackGroup group = LoopbackGroup.form(3, TransportOptions.DEFAULTS)) {
            assertSumsInRankOrder(group, inputs, Collectives::allReduceSum);
            assertSumsInRankOrder(group, inputs, AllReduceSumTest::sumInPlace);
        }
    }

    @Test
    void aGroupOfOneReturnsItsInputWithoutASocket() throws Exception {
        MeshListener listener = MeshListener.bind(new InetSocketAddress("127.0.0.1", 0), TransportOptions.DEFAULTS);
        try (Collectives single = listener.connect(0, List.of(listener.address()), 3, "solo")) {
            float[] local = {1, 2, 3};
            assertSame(local, single.allReduceSum(local));
            assertSame(local, single.allGather(local)[0]);
            assertEquals(1, single.size());
            assertEquals(3, single.generation());
            assertEquals(2, single.totalTime().calls());
        }
        // The listener's socket is closed: nothing listens on its port any more.
        assertThrows(
                ConnectException.class,
                () -> SocketChannel.open(listener.address()).close());
    }

    /** Every rank's {@code allReduce} of its input has the bits of the plain-Java sum in rank order. */
    private static void assertSumsInRankOrder(
            LoopbackGroup group, float[][] inputs, BiFunction<Collectives, float[], float[]> allReduce) {
        float[] expected = rankOrderSum(inputs);
        List<float[]> sums = group.onEveryRank(c -> allReduce.apply(c, inputs[c.rank()]));
        for (int rank = 0; rank < inputs.length; rank++) {
            assertBitsEqual(
                    expected, sums.get(rank), "rank " + rank + " of " + inputs.length + ", length " + expected.length);
        }
    }

    /**
     * {@link Collectives#allReduceSumInPlace} of {@code local} placed amid other bytes, of a heap buffer on rank 1
     * and a direct one elsewhere; the buffer's position and limit must stay.
     */
    private static float[] sumInPlace(Collectives c, float[] local) {
        int bytes = local.length * Float.BYTES;
        ByteBuffer buffer = (c.rank() == 1 ? ByteBuffer.allocate(bytes + 12) : ByteBuffer.allocateDirect(bytes + 12))
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.position(8).limit(8 + bytes);
        buffer.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(local);
        c.allReduceSumInPlace(buffer);
        assertEquals(8, buffer.position());
        assertEquals(8 + bytes, buffer.limit());
        float[] sum = new float[local.length];
        buffer.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(sum);
        return sum;
    }

    /** The plain-Java reference: ((x0 + x1) + x2) + ... */
    static float[] rankOrderSum(float[][] inputs) {
        float[] sum = inputs[0].clone();
        for (int rank = 1; rank < inputs.length; rank++) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += inputs[rank][i];
            }
        }
        return sum;
    }

    /** Values over eight orders of magnitude, so that the order of additions shows in the bits. */
    static float[][] inputs(int size, int length, long seed) {
        float[] scales = {1e-4f, 1e-3f, 1e-2f, 1e-1f, 1, 1e1f, 1e2f, 1e3f, 1e4f};
        Random random = new Random(seed);
        float[][] inputs = new float[size][length];
        for (float[] input : inputs) {
            for (int i = 0; i < length; i++) {
                input[i] = (random.nextFloat() - 0.5f) * scales[random.nextInt(scales.length)];
            }
        }
        return inputs;
    }

    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
