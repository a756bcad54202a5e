package ai.oxbow.model.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.train.ViewBatch;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export loaded by its own plain-PyTorch loader embeds as DJL does. Needs a python3 with
 * PyTorch (scripts/test.sh installs Debian's python3-torch): without one these tests fail.
 */
class EncoderExportTest {

    @Test
    void smallCnnEmbedsInPyTorchAsInDjl(@TempDir Path dir) throws IOException {
        try (SslTrainer trainer = new SslTrainer(TestData.config("simclr"))) {
            TestData.trainOn(trainer, 0);
            TestData.trainOn(trainer, 1);
            trainer.publish();
            EncoderSnapshot snapshot = trainer.publishedSnapshot();
            assertTrainedBatchNorm(snapshot);
            assertSameInPyTorch(snapshot, dir);

            JsonObject header = safetensorsHeader(dir.resolve("export").resolve(EncoderExport.WEIGHTS));
            JsonObject metadata = header.getAsJsonObject("__metadata__");
            assertEquals("2", metadata.get("version").getAsString());
            assertEquals("simclr", metadata.get("method").getAsString());
            assertEquals("small-cnn", metadata.get("encoder").getAsString());
            JsonObject runningVar = header.getAsJsonObject("stages.3.bn.running_var");
            assertEquals("F32", runningVar.get("dtype").getAsString());
            assertEquals("[256]", runningVar.get("shape").toString());
        }
    }

    /** A SimCLR trainer on 3 x 32 x 32 with per-channel normalisation, one step taken and published. */
    private static SslTrainer trainedOnce(String encoder) {
        int batch = 8;
        TrainerConfig config = TrainerConfig.defaults("simclr", encoder, 3, 32, batch)
                .withNormalization(new float[] {0.4f, 0.5f, 0.6f}, new float[] {0.2f, 0.25f, 0.3f});
        SslTrainer trainer = new SslTrainer(config);
        float[][] views = TestData.views(batch, 32, 3, 0);
        trainer.train(ViewBatch.pair(views[0], views[1], batch, 32));
        trainer.publish();
        return trainer;
    }

    @Test
    void resNet18WithPerChannelNormalisationEmbedsInPyTorchAsInDjl(@TempDir Path dir) throws IOException {
        try (SslTrainer trainer = trainedOnce("resnet18")) {
            assertTrainedBatchNorm(trainer.publishedSnapshot());
            assertSameInPyTorch(trainer.publishedSnapshot(), dir);
        }
    }

    @Test
    void vitTinyEmbedsInPyTorchAsInDjlAtItsSizeAndAnother(@TempDir Path dir) throws IOException {
        try (SslTrainer trainer = trainedOnce("vit-tiny")) {
            EncoderSnapshot snapshot = trainer.publishedSnapshot();
            assertSameInPyTorch(snapshot, dir);

            JsonObject header = safetensorsHeader(dir.resolve("export").resolve(EncoderExport.WEIGHTS));
            assertEquals(
                    "[1,65,192]",
                    header.getAsJsonObject("pos_embed").get("shape").toString());
            assertEquals(
                    "[576,192]",
                    header.getAsJsonObject("blocks.5.attn.qkv.weight")
                            .get("shape")
                            .toString());
            // 20x20 is a 5x5 grid: both sides resize the 8x8 position embeddings.
            int n = 3;
            float[] images = randomImages(n * 3 * 20 * 20);
            assertPyTorchMatches(dir, images, resizedFeatures(snapshot, images, n, 20), "vit-tiny at 20x20");
        }
    }

    @Test
    void refusesASnapshotThatDoesNotFitItsArchitecture(@TempDir Path dir) {
        try (SslTrainer trainer = new SslTrainer(TestData.config("simclr"))) {
            EncoderSnapshot s = trainer.publishedSnapshot();
            EncoderSnapshot mislabelled = new EncoderSnapshot(
                    s.version(), s.method(), "resnet18", s.channels(), s.size(), s.mean(), s.std(), s.tensors());
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> EncoderExport.write(mislabelled, dir));
            assertTrue(e.getMessage().contains("export expects"), e.getMessage());
        }
    }

    /** DJL's features of random images go to out.bin; the python side compares and exits 0 on a match. */
    private static void assertSameInPyTorch(EncoderSnapshot snapshot, Path dir) throws IOException {
        Path export = dir.resolve("export");
        EncoderExport.write(snapshot, export);
        int n = 5;
        float[] images = randomImages(n * snapshot.pixelsPerImage());
        try (Embedder embedder = new Embedder(snapshot)) {
            assertPyTorchMatches(dir, images, embedder.embed(images, n), snapshot.encoder());
        }
    }

    private static void assertPyTorchMatches(Path dir, float[] images, float[] features, String what)
            throws IOException {
        writeFloats(dir.resolve("in.bin"), images);
        writeFloats(dir.resolve("out.bin"), features);
        PyTorchLoader.Result r = PyTorchLoader.run(
                dir.resolve("export"),
                "--check",
                dir.resolve("in.bin").toString(),
                dir.resolve("out.bin").toString());
        System.out.println(what + " export vs DJL: " + r.output().strip());
        assertEquals(0, r.exitCode(), "PyTorch features differ from DJL's: " + r.output());
    }

    /** DJL's features of images of another size than the snapshot's, its weights loaded as Embedder loads them. */
    private static float[] resizedFeatures(EncoderSnapshot s, float[] images, int n, int size) {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Network net = new Network(
                    "encoder", Encoders.build(s.encoder()), m, new Shape(2, s.channels(), s.size(), s.size()));
            net.freeze();
            s.loadInto(net);
            Shape perChannel = new Shape(1, s.channels(), 1, 1);
            NDArray x = m.create(images, new Shape(n, s.channels(), size, size))
                    .sub(m.create(s.mean(), perChannel))
                    .div(m.create(s.std(), perChannel));
            return net.forward(x, false).toFloatArray();
        }
    }

    private static float[] randomImages(int pixels) {
        float[] images = new float[pixels];
        Random random = new Random(7);
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextFloat();
        }
        return images;
    }

    /** Running means away from their initial zeros, so the test covers the statistics' mapping. */
    private static void assertTrainedBatchNorm(EncoderSnapshot s) {
        assertTrue(
                s.tensors().stream()
                        .filter(t -> t.name().endsWith("_runningMean"))
                        .allMatch(t -> Math.abs(t.data()[0]) > 0),
                "untrained BatchNorm statistics");
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        Files.write(file, b.array());
    }

    private static JsonObject safetensorsHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length =
                ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + length) % 8, "data is 8-byte aligned");
        return JsonParser.parseString(new String(bytes, 8, (int) length, StandardCharsets.UTF_8))
                .getAsJsonObject();
    }
}
