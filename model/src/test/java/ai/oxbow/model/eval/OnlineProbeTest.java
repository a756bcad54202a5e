package ai.oxbow.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnlineProbeTest {
    static final Augmenter AUGMENTER =
            new Augmenter(Recipe.parse("simclr", "none", TestData.SIZE, 1, Map.of("blur", "0")), 3);
    static final LabeledImages IMAGES = GeneratedImages.generate(40, TestData.SIZE, 1, 1);

    /** The generated images, their ids prefixed (an id seeds the views drawn of the image). */
    private static List<ReplayItem> items(String prefix) {
        List<ReplayItem> out = new ArrayList<>();
        for (int i = 0; i < IMAGES.count(); i++) {
            out.add(new ReplayItem(prefix + i, i, IMAGES.labels()[i], IMAGES.image(i)));
        }
        return out;
    }

    @Test
    void measuresTheEncoderOnRecentImagesWithinTheRangeOfEachFigure() {
        try (SslTrainer trainer = new SslTrainer(TestData.config("simclr"))) {
            OnlineProbe probe = new OnlineProbe(trainer, AUGMENTER, 10);
            assertFalse(probe.hasImages());
            assertTrue(Double.isNaN(probe.rankMe()), "nothing probed yet");
            probe.admitted(items("a-"));
            probe.probe();
            assertTrue(probe.rankMe() >= 1 && probe.rankMe() <= trainer.embeddingDim(), "rankme " + probe.rankMe());
            // Squared distances of unit vectors lie in [0, 4], so uniformity in [-8, 0].
            assertTrue(probe.alignment() >= 0 && probe.alignment() <= 4, "alignment " + probe.alignment());
            assertTrue(probe.uniformity() >= -8 && probe.uniformity() <= 0, "uniformity " + probe.uniformity());
        }
    }

    @Test
    void theKnnTestsEachLabelledImageOnceBeforeItRemembersIt() {
        try (SslTrainer trainer = new SslTrainer(TestData.config("simclr"))) {
            OnlineProbe probe = new OnlineProbe(trainer, AUGMENTER, 10);
            probe.admitted(items("a-"));
            probe.probe();
            assertTrue(Double.isNaN(probe.knnTop1()), "the first images meet an empty memory");
            probe.probe();
            assertTrue(Double.isNaN(probe.knnTop1()), "a probe without new images tests nothing again");
            probe.admitted(items("b-"));
            probe.probe();
            // As a kNN that tests the second forty against the first, once: the encoder is unchanged.
            int dim = trainer.embeddingDim();
            float[] features = trainer.embedWithCurrent(ReplayItem.cleanBatch(items("a-")), IMAGES.count());
            OnlineKnn once = new OnlineKnn(dim, 10, 4096, 1000);
            once.observe(features, IMAGES.labels());
            once.observe(features, IMAGES.labels());
            assertEquals(once.top1(), probe.knnTop1());
        }
    }
}
