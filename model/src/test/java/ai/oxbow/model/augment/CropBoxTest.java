package ai.oxbow.model.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CropBoxTest {
    @Test
    void boxesFitAndFollowTheScaleAndRatioRanges() {
        SplittableRandom random = new SplittableRandom(3);
        double areas = 0;
        int n = 2000;
        for (int i = 0; i < n; i++) {
            CropBox b = CropBox.sample(random, 100, 120, 0.2, 0.6, 0.75, 4.0 / 3);
            assertTrue(
                    b.top() >= 0 && b.left() >= 0 && b.top() + b.height() <= 100 && b.left() + b.width() <= 120,
                    "" + b);
            double area = (double) b.height() * b.width() / (100 * 120);
            assertTrue(area > 0.18 && area < 0.62, "area " + area);
            double ratio = (double) b.width() / b.height();
            assertTrue(ratio > 0.7 && ratio < 1.4, "ratio " + ratio);
            areas += area;
        }
        assertEquals(0.4, areas / n, 0.02);
    }

    @Test
    void impossibleScalesFallBackToTheCentreCropClampedToTheRatios() {
        SplittableRandom random = new SplittableRandom(3);
        // An area above the whole image never fits: ten tries, then the fallback.
        assertEquals(new CropBox(0, 0, 10, 12), CropBox.sample(random, 10, 12, 2, 3, 0.75, 4.0 / 3));
        assertEquals(new CropBox(0, 13, 10, 13), CropBox.sample(random, 10, 40, 2, 3, 0.75, 4.0 / 3));
        assertEquals(new CropBox(13, 0, 13, 10), CropBox.sample(random, 40, 10, 2, 3, 0.75, 4.0 / 3));
    }
}
