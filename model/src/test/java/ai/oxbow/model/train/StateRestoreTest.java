package ai.oxbow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.state.StateFrame;
import ai.oxbow.model.state.TrainerCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Every refusal of a restore, each leaving the trainer exactly as it was. */
class StateRestoreTest {

    /** A trained MoCo trainer (its queue and optimiser buffers are not zero). */
    static SslTrainer trained(TrainerConfig config) {
        SslTrainer t = new SslTrainer(config);
        TestData.trainOn(t, 0);
        TestData.trainOn(t, 1);
        return t;
    }

    private static void refusedUntouched(
            Class<? extends RuntimeException> refusal, SslTrainer target, byte[] blob, String expected) {
        byte[] before = target.snapshot();
        RuntimeException e = assertThrows(refusal, () -> target.restore(blob));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertArrayEquals(before, target.snapshot(), "a refused restore left the trainer untouched");
    }

    @Test
    void aRestoreOfTheSameConfigurationIsBitwiseAndMayChangeTheSchedule() {
        TrainerConfig c = TestData.config("mocov2");
        try (SslTrainer source = trained(c);
                SslTrainer target =
                        new SslTrainer(c.withSchedule(0.5f, 7, 900, false).withSeed(99))) {
            target.restore(source.snapshot());
            assertEquals(TestData.entries(source), TestData.entries(target));
        }
    }

    @Test
    void everyFlippedByteIsRefused() {
        TrainerConfig c = TestData.config("mocov2");
        try (SslTrainer source = trained(c);
                SslTrainer target = new SslTrainer(c)) {
            byte[] blob = source.snapshot();
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < 20; i++) {
                byte[] flipped = blob.clone();
                int at = i == 0 ? blob.length - 1 : r.nextInt(blob.length);
                flipped[at] ^= (byte) (1 << r.nextInt(8));
                byte[] before = target.snapshot();
                assertThrows(CorruptStateException.class, () -> target.restore(flipped), "flip at byte " + at);
                assertArrayEquals(before, target.snapshot());
            }
        }
    }

    @Test
    void aTruncatedBlobIsRefused() {
        TrainerConfig c = TestData.config("mocov2");
        try (SslTrainer source = trained(c);
                SslTrainer target = new SslTrainer(c)) {
            byte[] blob = source.snapshot();
            for (int length : new int[] {0, 3, 7, 40, blob.length / 2, blob.length - 1}) {
                byte[] cut = java.util.Arrays.copyOf(blob, length);
                byte[] before = target.snapshot();
                assertThrows(CorruptStateException.class, () -> target.restore(cut), length + " bytes");
                assertArrayEquals(before, target.snapshot());
            }
        }
    }

    @Test
    void aForeignOptimizerIsRefusedNamingIt() {
        TrainerConfig sgd = TestData.config("mocov2");
        assertEquals("sgd", sgd.optimizer());
        TrainerConfig.Builder b = sgd.toBuilder();
        b.optimizer = "lars";
        TrainerConfig lars = b.build();
        try (SslTrainer source = trained(sgd);
                SslTrainer target = trained(lars)) {
            refusedUntouched(
                    IllegalArgumentException.class, target, source.snapshot(), "optimizer: stored sgd, now lars");
        }
    }

    @Test
    void aChangedMethodOptionIsRefusedBeforeAnyNetworkIsOverwritten() {
        TrainerConfig c = TestData.config("mocov2");
        Map<String, String> bigger = new HashMap<>(c.methodOptions());
        bigger.put("queue_size", "48");
        Map<String, String> warmer = new HashMap<>(c.methodOptions());
        warmer.put("temperature", "0.5");
        try (SslTrainer source = trained(c);
                SslTrainer queue = trained(c.withOptions(bigger));
                SslTrainer temperature = trained(c.withOptions(warmer))) {
            refusedUntouched(
                    IllegalArgumentException.class, queue, source.snapshot(), "method.queue_size: stored 40, now 48");
            refusedUntouched(IllegalArgumentException.class, temperature, source.snapshot(), "method.temperature");
        }
    }

    @Test
    void aLengthFieldCannotAllocateMoreThanTheBlobHolds() throws IOException {
        // A format-1 blob (no checksum to get past) whose one tensor claims 2 GiB of data.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(TrainerCodec.MAGIC);
            out.writeInt(1);
            out.writeUTF("mocov2");
            out.writeUTF("small-cnn");
            out.writeInt(1);
            out.writeInt(TestData.SIZE);
            out.writeInt(1);
            out.writeUTF("network/x");
            out.writeByte(0);
            out.writeUTF("FLOAT32");
            out.writeInt(1);
            out.writeLong(1L << 29);
            out.writeInt(Integer.MAX_VALUE);
        }
        try (SslTrainer target = new SslTrainer(TestData.config("mocov2"))) {
            refusedUntouched(
                    CorruptStateException.class,
                    target,
                    bytes.toByteArray(),
                    "corrupt trainer state: entry network/x has");
            byte[] countBomb = bytes.toByteArray().clone();
            ByteBuffer.wrap(countBomb).putInt(8 + 2 + 6 + 2 + 9 + 4 + 4, Integer.MAX_VALUE);
            refusedUntouched(CorruptStateException.class, target, countBomb, "entry count is 2147483647");
        }
    }

    @Test
    void theHeaderRebuildsTheConfigurationSoAToolCanRestoreWithoutBeingTold() {
        TrainerConfig c = TestData.config("mocov2").withGlobalViews(3);
        try (SslTrainer source = new SslTrainer(c)) {
            byte[] blob = source.snapshot();
            TrainerConfig rebuilt = TrainerConfig.ofState(blob);
            assertEquals(3, rebuilt.globalViews());
            assertEquals(c.learningRate(), rebuilt.learningRate());
            assertArrayEquals(c.mean(), rebuilt.mean());
            try (SslTrainer restored = new SslTrainer(rebuilt)) {
                assertEquals(RestoreReport.Kind.BITWISE, restored.restore(blob).kind(), "the same configuration");
                assertArrayEquals(blob, restored.snapshot());
            }
        }
    }

    @Test
    void aForkedStatePublishesVersionsOfANewLineage() {
        TrainerConfig c = TestData.config("mocov2");
        try (SslTrainer t = trained(c);
                SslTrainer restored = new SslTrainer(c)) {
            t.publish();
            assertEquals(2, t.publishedVersion(), "never forked: the version is the step");
            t.fork();
            assertEquals(2, t.publishedVersion(), "the published weights keep their version");
            TestData.trainOn(t, 5);
            t.publish();
            assertEquals(SslTrainer.LINEAGE_STRIDE + 3, t.publishedVersion());
            assertEquals(3, t.publishedStep());
            restored.restore(t.snapshot());
            assertEquals(1, restored.lineage());
            assertEquals(t.publishedVersion(), restored.publishedVersion());
        }
    }

    @Test
    void aNewerFormatIsRefusedByVersion() {
        try (SslTrainer t = trained(TestData.config("mocov2"))) {
            byte[] newer = t.snapshot();
            ByteBuffer.wrap(newer).putInt(4, TrainerCodec.FORMAT_VERSION + 1);
            refusedUntouched(
                    IllegalArgumentException.class,
                    t,
                    newer,
                    "trainer state format 3 is newer than this Oxbow reads (2)");
        }
    }

    @Test
    void theHeaderCarriesTheWholeConfigurationAndAChecksum() {
        try (SslTrainer t = trained(TestData.config("mocov2"))) {
            byte[] blob = t.snapshot();
            StateFrame.Frame frame = StateFrame.read(blob, TrainerCodec.MAGIC, TrainerCodec.FORMAT_VERSION, "x");
            Map<String, String> f = frame.fingerprint().fields();
            assertEquals("sgd", f.get("optimizer"));
            assertEquals("40", f.get("method.queue_size"));
            assertEquals("0.2", f.get("method.temperature"), "defaults in force are recorded, not only given options");
            assertEquals(
                    new TrainerCodec.Header(2, "mocov2", "small-cnn", 1, TestData.SIZE), TrainerCodec.header(blob));
        }
    }

    @Test
    void trainersBuiltAtOnceInOneProcessStartFromTheirOwnSeed() throws Exception {
        TrainerConfig c = TestData.config("mocov2");
        byte[] alone;
        try (SslTrainer t = new SslTrainer(c)) {
            alone = t.snapshot();
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> built = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long seed = i % 2 == 0 ? c.seed() : 1000 + i;
                built.add(pool.submit(() -> {
                    try (SslTrainer t = new SslTrainer(c.withSeed(seed))) {
                        return t.snapshot();
                    }
                }));
            }
            for (int i = 0; i < 4; i += 2) {
                assertArrayEquals(alone, built.get(i).get(), "trainer " + i + " drew the weights of one built alone");
            }
        } finally {
            pool.shutdown();
        }
    }
}
