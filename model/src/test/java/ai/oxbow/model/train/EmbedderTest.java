package ai.oxbow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.eval.Features;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedderTest {

    @Test
    void embedsExactlyAsTheTrainersPublishedEncoder() {
        LabeledImages images = GeneratedImages.generate(8, SslTrainerTest.SIZE, 1, 3);
        try (SslTrainer trainer = new SslTrainer(SslTrainerTest.config("byol"))) {
            TestData.trainOn(trainer, 0);
            TestData.trainOn(trainer, 1);
            trainer.publish();
            float[] pixels = Features.pixels(images);
            EncoderSnapshot snapshot =
                    EncoderSnapshot.decode(trainer.publishedSnapshot().encode());
            assertEquals(2, snapshot.version());
            try (Embedder embedder = new Embedder(snapshot)) {
                float[] expected = trainer.embed(pixels, images.count());
                assertArrayEquals(expected, embedder.embed(pixels, images.count()));
                assertEquals(trainer.embeddingDim() * images.count(), expected.length);
            }
        }
    }

    @Test
    void snapshotsOfDifferentVersionsEmbedDifferently() {
        LabeledImages images = GeneratedImages.generate(4, SslTrainerTest.SIZE, 1, 3);
        float[] pixels = Features.pixels(images);
        try (SslTrainer trainer = new SslTrainer(SslTrainerTest.config("simclr"))) {
            EncoderSnapshot v0 = trainer.publishedSnapshot();
            TestData.trainOn(trainer, 0);
            trainer.publish();
            try (Embedder a = new Embedder(v0);
                    Embedder b = new Embedder(trainer.publishedSnapshot())) {
                assertFalse(Arrays.equals(a.embed(pixels, 4), b.embed(pixels, 4)));
            }
        }
    }

    @Test
    void registryKeepsVersionsAndRefusesUnknownOnes(@TempDir Path dir) {
        ModelRegistry registry = new ModelRegistry(dir);
        assertEquals(List.of(), registry.versions());
        try (SslTrainer trainer = new SslTrainer(SslTrainerTest.config("simclr"))) {
            registry.write(trainer.publishedSnapshot());
            TestData.trainOn(trainer, 0);
            trainer.publish();
            registry.write(trainer.publishedSnapshot());
            assertEquals(List.of(0L, 1L), registry.versions());
            assertEquals(1L, registry.latest().version());
            assertArrayEquals(
                    trainer.publishedSnapshot().encode(), registry.load(1).encode());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.load(7));
        assertTrue(e.getMessage().contains("no model version 7"), e.getMessage());
    }

    @Test
    void refusesANewerFormat() {
        try (SslTrainer trainer = new SslTrainer(SslTrainerTest.config("simclr"))) {
            byte[] bytes = trainer.publishedSnapshot().encode();
            bytes[7] = 9;
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> EncoderSnapshot.decode(bytes));
            assertTrue(e.getMessage().contains("newer"), e.getMessage());
        }
    }
}
