package ai.oxbow.model.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What the torchvision fixtures do not show: edge cases, sizes and the grey-image identities. */
class OperationsTest {
    final Chw grey = new Chw(new float[] {0.1f, 0.9f, 0.4f, 0.6f, 0.3f, 0.8f}, 1, 2, 3);

    @Test
    void colourOnlyOperationsLeaveGreyImagesAlone() {
        assertArrayEquals(grey.data(), Color.adjustSaturation(grey, 1.8).data());
        assertArrayEquals(grey.data(), Color.adjustHue(grey, 0.3).data());
        assertArrayEquals(grey.data(), Color.grayscale(grey).data());
    }

    @Test
    void downscalingAveragesEveryInputPixel() {
        // 4 -> 1: a triangle over all four pixels (weights 5:7:7:5); plain bilinear would read
        // only the middle two and miss the bright edge pixel.
        Chw row = new Chw(new float[] {1, 0, 0, 0}, 1, 1, 4);
        assertEquals(5f / 24, Resize.resize(row, 1, 1).data()[0], 1e-6f);
        Chw square = new Chw(new float[] {0f, 1f, 0.5f, 0.5f}, 1, 2, 2);
        assertEquals(0.5f, Resize.resize(square, 1, 1).data()[0], 1e-6f);
    }

    @Test
    void resizingToTheSameSizeCopiesExactly() {
        assertArrayEquals(grey.data(), Resize.resize(grey, 2, 3).data());
    }

    @Test
    void blurKernelsAreATenthOfTheSideMadeOdd() {
        assertEquals(3, GaussianBlur.kernelSizeFor(28));
        assertEquals(3, GaussianBlur.kernelSizeFor(32));
        assertEquals(9, GaussianBlur.kernelSizeFor(96));
        assertEquals(23, GaussianBlur.kernelSizeFor(224));
        assertEquals(1, GaussianBlur.kernelSizeFor(9));
        assertArrayEquals(grey.data(), GaussianBlur.blur(grey, 1, 1.0).data());
    }

    @Test
    void reflectPaddingMirrorsWithoutRepeatingTheEdge() {
        assertEquals(1, GaussianBlur.reflect(-1, 5));
        assertEquals(3, GaussianBlur.reflect(5, 5));
        assertEquals(2, GaussianBlur.reflect(-6, 5));
        assertEquals(0, GaussianBlur.reflect(3, 1));
        // A kernel wider than the image still blurs (torch would refuse the padding).
        float sum = 0;
        for (float v : GaussianBlur.blur(grey, 9, 3.0).data()) {
            sum += v;
        }
        assertEquals(6, GaussianBlur.blur(grey, 9, 3.0).data().length);
        assertEquals(0.5f, sum / 6, 0.1f);
    }

    @Test
    void toChwConvertsChannelsWithPilLumaWeights() {
        byte[] rgb = {(byte) 255, 0, 0};
        assertEquals(0.299f, Pixels.toChw(rgb, 1, 1, 3, 1)[0], 1e-6);
        byte[] g = {(byte) 51};
        assertArrayEquals(new float[] {0.2f, 0.2f, 0.2f}, Pixels.toChw(g, 1, 1, 1, 3), 1e-6f);
    }
}
