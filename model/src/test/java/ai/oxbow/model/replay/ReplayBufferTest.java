package ai.oxbow.model.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplayBufferTest {
    static final int SIZE = 4;

    static ReplayConfig config(String policy, int capacity, int batch, long seed) {
        return new ReplayConfig(policy, capacity, 1, 0.5, batch, seed);
    }

    static ReplayItem item(int i) {
        byte[] pixels = new byte[SIZE * SIZE];
        pixels[i % pixels.length] = (byte) i;
        return new ReplayItem("img-" + i, 1000L + i, i % 10, pixels);
    }

    static float[] randomFeature(SplittableRandom random, int dim) {
        float[] f = new float[dim];
        for (int k = 0; k < dim; k++) {
            f[k] = (float) random.nextGaussian();
        }
        return f;
    }

    static List<String> ids(ReplayBuffer buffer) {
        return buffer.entries.stream().map(e -> e.item.id()).toList();
    }

    @Test
    void fifoKeepsTheNewest() {
        ReplayBuffer buffer = new ReplayBuffer(config("fifo", 10, 4, 1), 1, SIZE);
        for (int i = 0; i < 25; i++) {
            assertTrue(buffer.add(item(i), null));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 15; i < 25; i++) {
            expected.add("img-" + i);
        }
        assertEquals(expected, ids(buffer));
        assertEquals(15, buffer.evicted());
        assertEquals(25, buffer.admitted());
    }

    @Test
    void reservoirKeepsEveryEventOfTheStreamWithEqualProbability() {
        int capacity = 50;
        int events = 500;
        int trials = 400;
        int[] keptPerDecile = new int[10];
        for (int t = 0; t < trials; t++) {
            ReplayBuffer buffer = new ReplayBuffer(config("reservoir", capacity, 4, t), 1, SIZE);
            for (int i = 0; i < events; i++) {
                buffer.add(item(i), null);
            }
            assertEquals(capacity, buffer.size());
            assertEquals(events, buffer.admitted() + buffer.rejected());
            assertEquals(buffer.admitted() - capacity, buffer.evicted());
            for (ReplayEntry e : buffer.entries) {
                keptPerDecile[(int) (e.seq * 10 / events)]++;
            }
        }
        // Each event survives with probability 50/500: 2000 of each decile's 20,000 event-trials
        // (sd 42). FIFO would keep only the last decile; a bias towards recent events shows as a
        // rising count.
        for (int d = 0; d < 10; d++) {
            assertEquals(2000, keptPerDecile[d], 200, "decile " + d);
        }
    }

    @Test
    void minredEvictsPlantedNearDuplicatesFirst() {
        int dim = 32;
        ReplayBuffer buffer = new ReplayBuffer(config("minred", 20, 4, 1), 1, SIZE);
        SplittableRandom random = new SplittableRandom(3);
        List<float[]> originals = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            float[] f = randomFeature(random, dim);
            originals.add(f);
            buffer.add(item(i), f);
        }
        // Five near-copies of images 0-4 interleaved with five new distinct images: 25 offered, 20 kept.
        for (int i = 0; i < 5; i++) {
            float[] copy = originals.get(i).clone();
            copy[0] += 0.01f;
            buffer.add(item(100 + i), copy);
            buffer.add(item(15 + i), randomFeature(random, dim));
        }
        assertEquals(5, buffer.evicted());
        Set<String> kept = new HashSet<>(ids(buffer));
        for (int i = 0; i < 5; i++) {
            assertTrue(kept.contains("img-" + i) ^ kept.contains("img-" + (100 + i)), "one of pair " + i);
        }
        for (int i = 5; i < 20; i++) {
            assertTrue(kept.contains("img-" + i), "distinct image " + i + " kept");
        }
    }

    @Test
    void minredIncrementalNeighboursEqualABruteForceSearch() {
        int dim = 16;
        ReplayBuffer buffer = new ReplayBuffer(config("minred", 64, 8, 1), 1, SIZE);
        SplittableRandom random = new SplittableRandom(11);
        List<float[]> seen = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            float[] f = randomFeature(random, dim);
            if (!seen.isEmpty() && random.nextInt(3) == 0) {
                // A near-copy of an earlier image, so that evictions hit neighbours of others.
                f = seen.get(random.nextInt(seen.size())).clone();
                f[random.nextInt(dim)] += (float) (0.1 * random.nextGaussian());
            }
            seen.add(f);
            buffer.add(item(i), f);
            if (i % 5 == 0) {
                // As a training step does: new features for some images.
                for (int k = 0; k < 4; k++) {
                    ReplayEntry e = buffer.entries.get(random.nextInt(buffer.size()));
                    buffer.trained(e, randomFeature(random, dim));
                }
            }
            assertMatchesBruteForce(buffer);
        }
        assertEquals(600 - 64, buffer.evicted());
    }

    private static void assertMatchesBruteForce(ReplayBuffer buffer) {
        for (ReplayEntry e : buffer.entries) {
            ReplayEntry best = null;
            float bestSimilarity = Float.NEGATIVE_INFINITY;
            for (ReplayEntry other : buffer.entries) {
                float s = NearestNeighbours.cosine(e.feature, other.feature);
                if (other != e && s > bestSimilarity) {
                    bestSimilarity = s;
                    best = other;
                }
            }
            assertEquals(Float.floatToRawIntBits(bestSimilarity), Float.floatToRawIntBits(e.neighbourSimilarity));
            assertSame(best, e.neighbour);
        }
    }

    @Test
    void batchesTakeTheNewestUnsampledImagesThenDistinctOthers() {
        ReplayBuffer buffer = new ReplayBuffer(config("fifo", 100, 16, 5), 1, SIZE);
        for (int i = 0; i < 50; i++) {
            buffer.add(item(i), null);
        }
        for (ReplayEntry e : buffer.entries) {
            e.uses = 1;
        }
        for (int i = 50; i < 60; i++) {
            buffer.add(item(i), null);
        }
        List<ReplayBuffer.Sample> batch = buffer.sample();
        assertEquals(16, batch.size());
        for (int k = 0; k < 8; k++) {
            assertEquals("img-" + (59 - k), batch.get(k).entry().item.id());
            assertEquals(0, batch.get(k).draw(), "a new image's first views");
        }
        assertEquals(16, new HashSet<>(ids(batch)).size(), "no image twice in a batch");
        // Sampling is a use: the draws move on, and the next batch's new images are ones not sampled yet.
        for (ReplayBuffer.Sample s : batch) {
            assertEquals(s.draw() + 1, s.entry().uses);
        }
        for (ReplayBuffer.Sample s : buffer.sample()) {
            assertEquals(
                    s.draw() == 0,
                    !ids(batch).contains(s.entry().item.id()) && s.entry().seq >= 50,
                    s.entry().item.id());
        }
    }

    @Test
    void findsAnImageByAdmissionNumberUntilItIsEvicted() {
        ReplayBuffer buffer = new ReplayBuffer(config("fifo", 10, 4, 5), 1, SIZE);
        for (int i = 0; i < 25; i++) {
            buffer.add(item(i), null);
        }
        assertEquals("img-20", buffer.find(20).item.id());
        assertEquals("img-15", buffer.find(15).item.id());
        assertEquals(null, buffer.find(14));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "reservoir", "minred"})
    void aDecodedBufferEncodesToTheSameBytesAndContinuesIdentically(String policy) {
        ReplayConfig config = config(policy, 12, 4, 9);
        ReplayBuffer original = filled(config, 30);
        byte[] blob = original.encode();
        ReplayBuffer decoded = ReplayBuffer.decode(blob, config, 1, SIZE);
        assertArrayEquals(blob, decoded.encode());

        SplittableRandom random = new SplittableRandom(8);
        float[] next = policy.equals("minred") ? randomFeature(random, 8) : null;
        assertEquals(original.add(item(30), next), decoded.add(item(30), next));
        assertEquals(ids(original.sample()), ids(decoded.sample()));
        assertArrayEquals(original.encode(), decoded.encode());
    }

    private static List<String> ids(List<ReplayBuffer.Sample> samples) {
        return samples.stream().map(s -> s.entry().item.id()).toList();
    }

    private static ReplayBuffer filled(ReplayConfig config, int events) {
        ReplayBuffer buffer = new ReplayBuffer(config, 1, SIZE);
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < events; i++) {
            buffer.add(item(i), buffer.needsFeatures() ? randomFeature(random, 8) : null);
            if (i % 7 == 6) {
                for (ReplayBuffer.Sample s : buffer.sample()) {
                    if (buffer.needsFeatures()) {
                        buffer.trained(s.entry(), randomFeature(random, 8));
                    }
                }
            }
        }
        return buffer;
    }

    @Test
    void refusesANewerFormatOrAnotherPolicy() {
        ReplayConfig fifo = config("fifo", 12, 4, 9);
        byte[] blob = filled(fifo, 5).encode();
        byte[] newer = blob.clone();
        newer[7] = 2;
        IllegalArgumentException future =
                assertThrows(IllegalArgumentException.class, () -> ReplayBuffer.decode(newer, fifo, 1, SIZE));
        assertTrue(future.getMessage().contains("newer"), future.getMessage());
        IllegalArgumentException other = assertThrows(
                IllegalArgumentException.class,
                () -> ReplayBuffer.decode(blob, config("reservoir", 12, 4, 9), 1, SIZE));
        assertTrue(other.getMessage().contains("fifo"), other.getMessage());
    }

    @Test
    void configValidationSaysWhatIsWrong() {
        IllegalArgumentException policy =
                assertThrows(IllegalArgumentException.class, () -> new ReplayConfig("lifo", 10, 1, 0.5, 4, 1));
        assertTrue(policy.getMessage().contains("lifo"), policy.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReplayConfig("fifo", 1, 1, 0.5, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new ReplayConfig("fifo", 10, 0, 0.5, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new ReplayConfig("fifo", 10, 1, 1.5, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new ReplayConfig("fifo", 10, 1, 0.5, 1, 1));
        assertEquals(64, ReplayConfig.defaults(64).batch());
    }
}
