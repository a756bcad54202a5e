package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.train.ViewBatch;
import ai.oxbow.schemas.EmbeddingEvent;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The embedder alone, with the arrival orders a MiniCluster run cannot force. */
class EmbedImagesTest {
    static final int SIZE = 16;
    static LabeledImages images;
    static byte[] v0;
    static byte[] v1;

    @BeforeAll
    static void versions() {
        images = GeneratedImages.generate(10, SIZE, 1, 4);
        try (SslTrainer t = new SslTrainer(TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, 8))) {
            v0 = t.publishedSnapshot().encode();
            java.util.SplittableRandom random = new java.util.SplittableRandom(3);
            float[] a = new float[8 * SIZE * SIZE];
            float[] b = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextDouble();
                b[i] = (float) random.nextDouble();
            }
            t.train(ViewBatch.pair(a, b, 8, SIZE));
            t.publish();
            v1 = t.publishedSnapshot().encode();
        }
    }

    static ModelImage image(int i) {
        return new ModelImage("img-" + i, 1_000 + i, images.labels()[i], images.image(i));
    }

    static TwoInputStreamOperatorTestHarness<ModelImage, byte[], EmbeddingEvent> harness() throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(new EmbedImages(64, 60_000));
    }

    static Map<String, Long> versionById(List<EmbeddingEvent> out) {
        return out.stream().collect(Collectors.toMap(EmbeddingEvent::getImageId, EmbeddingEvent::getModelVersion));
    }

    @Test
    void imagesWaitForTheFirstVersionAndANewVersionFlushesWithTheOldOneFirst() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement1(image(0), 0);
            h.processElement1(image(1), 0);
            assertEquals(0, h.extractOutputValues().size(), "no encoder yet: the images wait");
            h.processElement2(v0, 0);
            h.processElement1(image(2), 0);
            h.processElement2(v1, 0);
            h.processElement1(image(3), 0);
            h.processElement2(v0, 0); // re-announced older version: ignored
            h.endInput1();
            h.endInput2();
            assertEquals(Map.of("img-0", 0L, "img-1", 0L, "img-2", 0L, "img-3", 1L), versionById(h.extractOutputValues()));
        }
    }

    /** The trainer's last version may arrive before an embedder's last images: they must not be lost. */
    @Test
    void versionsEndingBeforeTheImagesLoseNothing() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement2(v1, 0);
            h.endInput2();
            for (int i = 0; i < 5; i++) {
                h.processElement1(image(i), 0);
            }
            h.endInput1();
            List<EmbeddingEvent> out = h.extractOutputValues();
            assertEquals(5, out.size());
            assertEquals(256, out.get(0).getDim());
            assertEquals(images.labels()[0], out.get(0).getLabel());
        }
    }

    @Test
    void waitingImagesAndTheCurrentVersionSurviveARestore() throws Exception {
        OperatorSubtaskState state;
        try (var h = harness()) {
            h.open();
            h.processElement2(v1, 0);
            h.processElement1(image(7), 0);
            h.processElement1(image(8), 0);
            state = h.snapshot(1, 1);
        }
        try (var h = harness()) {
            h.initializeState(state);
            h.open();
            h.endInput1();
            assertEquals(Map.of("img-7", 1L, "img-8", 1L), versionById(h.extractOutputValues()));
        }
    }
}
