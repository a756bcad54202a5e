package ai.oxbow.model.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

class PairAugmenterTest {
    final LabeledImages images = GeneratedImages.generate(2, 20, 3, 5);
    final float[] chw = Pixels.toChw(images.image(0), 20, 20, 3, 3);

    @Test
    void viewsArePureFunctionsOfSeedIdAndViewIndex() {
        PairAugmenter a = new PairAugmenter(PairAugmenter.Params.DEFAULT, 7, 16);
        PairAugmenter b = new PairAugmenter(PairAugmenter.Params.DEFAULT, 7, 16);
        assertArrayEquals(a.view(chw, 3, 20, 20, "img-1", 0), b.view(chw, 3, 20, 20, "img-1", 0));
        assertFalse(Arrays.equals(a.view(chw, 3, 20, 20, "img-1", 0), a.view(chw, 3, 20, 20, "img-1", 1)));
        assertFalse(Arrays.equals(a.view(chw, 3, 20, 20, "img-1", 0), a.view(chw, 3, 20, 20, "img-2", 0)));
        PairAugmenter other = new PairAugmenter(PairAugmenter.Params.DEFAULT, 8, 16);
        assertFalse(Arrays.equals(a.view(chw, 3, 20, 20, "img-1", 0), other.view(chw, 3, 20, 20, "img-1", 0)));
    }

    @Test
    void viewsHaveTheConfiguredSizeAndStayInRange() {
        float[] v = new PairAugmenter(PairAugmenter.Params.DEFAULT, 1, 12).view(chw, 3, 20, 20, "x", 0);
        assertEquals(3 * 12 * 12, v.length);
        for (float x : v) {
            assertTrue(x >= 0 && x <= 1, "pixel " + x);
        }
    }

    @Test
    void identityParametersReturnTheResizedImage() {
        PairAugmenter.Params none = new PairAugmenter.Params(1, 1, 1, 1, 0, 0, 0, 0);
        float[] v = new PairAugmenter(none, 1, 20).view(chw, 3, 20, 20, "x", 0);
        assertArrayEquals(chw, v, 1e-6f);
    }

    @Test
    void greyAndColourConvertWithItu601Weights() {
        byte[] rgb = {(byte) 255, 0, 0};
        assertEquals(0.299f, Pixels.toChw(rgb, 1, 1, 3, 1)[0], 1e-6);
        byte[] grey = {(byte) 51};
        assertArrayEquals(new float[] {0.2f, 0.2f, 0.2f}, Pixels.toChw(grey, 1, 1, 1, 3), 1e-6f);
    }

    @Test
    void bilinearResizeAveragesNeighbours() {
        // 2x2 -> 1x1 with half-pixel centres samples the exact centre: the mean of all four.
        float[] img = {0f, 1f, 0.5f, 0.5f};
        assertEquals(0.5f, Pixels.cropResize(img, 1, 2, 2, 0, 0, 2, 2, 1)[0], 1e-6);
    }
}
