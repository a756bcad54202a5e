package ai.oxbow.model.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AugmenterTest {
    static float[] image(int size, int channels) {
        LabeledImages images = GeneratedImages.generate(1, size, channels, 5);
        return Pixels.toChw(images.image(0), size, size, channels, channels);
    }

    @ParameterizedTest
    @CsvSource({"simclr, 3", "mocov2, 1", "byol, 3", "multicrop, 3"})
    void viewsArePureFunctionsOfSeedIdAndViewIndex(String name, int channels) {
        float[] chw = image(40, channels);
        Recipe recipe = Recipe.parse(name, "none", 32, channels, Map.of());
        Augmenter a = new Augmenter(recipe, 7);
        for (int v = 0; v < a.views(); v++) {
            float[] view = a.view(chw, channels, 40, 40, "img-1", v);
            assertArrayEquals(view, new Augmenter(recipe, 7).view(chw, channels, 40, 40, "img-1", v));
            assertFalse(Arrays.equals(view, a.view(chw, channels, 40, 40, "img-2", v)), "other id");
            assertFalse(
                    Arrays.equals(view, new Augmenter(recipe, 8).view(chw, channels, 40, 40, "img-1", v)),
                    "other seed");
            if (v > 0) {
                assertFalse(Arrays.equals(view, a.view(chw, channels, 40, 40, "img-1", v - 1)), "other view");
            }
        }
    }

    @Test
    void viewsHaveTheirRecipeSizeAndStayInRange() {
        float[] chw = image(50, 3);
        Augmenter a = new Augmenter(Recipe.parse("multicrop", "none", 32, 3, Map.of("local_crops", "3")), 1);
        assertEquals(5, a.views());
        for (int v = 0; v < a.views(); v++) {
            int size = v < 2 ? 32 : 14;
            for (int i = 0; i < 20; i++) {
                float[] view = a.view(chw, 3, 50, 50, "x" + i, v);
                assertEquals(3 * size * size, view.length);
                for (float x : view) {
                    assertTrue(x >= 0 && x <= 1, "pixel " + x);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> a.view(chw, 3, 50, 50, "x", 5));
    }

    @Test
    void aRecipeThatChangesNothingReturnsTheImage() {
        float[] chw = image(20, 3);
        Recipe none = Recipe.parse(
                "simclr",
                "none",
                20,
                3,
                Recipe.parseOptions("scale=1:1,ratio=1:1,flip=0,jitter=0,grayscale=0,blur=0,solarize=0"));
        float[] view = new Augmenter(none, 1).view(chw, 3, 20, 20, "x", 0);
        assertArrayEquals(chw, view);
        assertFalse(view == chw, "a view is a new array");
    }

    @Test
    void certainOperationsAreApplied() {
        float[] chw = image(16, 3);
        Recipe solarized = Recipe.parse(
                "byol",
                "none",
                16,
                3,
                Recipe.parseOptions(
                        "scale=1:1,ratio=1:1,flip=0,jitter=0,grayscale=1,blur=0,solarize=1,solarize_threshold=0"));
        float[] view = new Augmenter(solarized, 1).view(chw, 3, 16, 16, "x", 1);
        float[] grey = Color.grayscale(new Chw(chw, 3, 16, 16)).data();
        for (int i = 0; i < chw.length; i++) {
            assertEquals(1 - grey[i], view[i], 1e-6f);
        }
    }

    @Test
    void augmentersSerialiseForFlink() throws IOException {
        Augmenter a = new Augmenter(Recipe.parse("byol", "cifar", 32, 3, Map.of()), 1);
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(a);
        }
    }

    @Test
    void seedsMixAllFourInputs() {
        long base = Augmenter.mix(1, "a", 0, 0);
        assertFalse(base == Augmenter.mix(2, "a", 0, 0));
        assertFalse(base == Augmenter.mix(1, "b", 0, 0));
        assertFalse(base == Augmenter.mix(1, "a", 1, 0));
        assertFalse(base == Augmenter.mix(1, "a", 0, 1));
    }

    @Test
    void firstDrawKeepsTheSeedOfEarlierVersions() {
        // The value of the three-input formula before draws existed: checkpointed views stay valid.
        assertEquals(2299244505402645416L, Augmenter.mix(1234, "fashion-mnist-train-7", 1, 0));
    }

    @Test
    void laterDrawsGiveOtherViewsOfTheSameImage() {
        Chw image = new Chw(image(28, 1), 1, 28, 28);
        Augmenter a = new Augmenter(Recipe.parse("mocov2", "fashion-mnist", 28, 1, Map.of()), 3);
        float[] first = a.view(image, "img", 0).data();
        assertArrayEquals(first, a.view(image, "img", 0, 0).data());
        assertFalse(Arrays.equals(first, a.view(image, "img", 0, 1).data()));
        assertArrayEquals(
                a.view(image, "img", 0, 5).data(), a.view(image, "img", 0, 5).data());
    }
}
