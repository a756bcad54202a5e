package ai.oxbow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EnginesTest {
    /**
     * A batch laid out channels-last holds the same values, and a convolution of it gives the
     * values and input gradients of the formula computed in doubles. (The reference is not the NCHW
     * path: oneDNN's wider kernels get NCHW input gradients wrong on some hosts, scripts/cpu-env.sh.)
     */
    @Test
    void channelsLastIsTheSameArrayForConvolutionAndAutograd() {
        int n = 2;
        int c = 3;
        int s = 5;
        int o = 4;
        Random random = new Random(7);
        float[] pixels = new float[n * c * s * s];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        float[] weights = new float[o * c * 3 * 3];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        double[] out = new double[n * o * s * s];
        double[] grad = new double[pixels.length];
        // y = conv3x3(x, w), padding 1; d(sum y^2)/dx = sum over outputs of 2 y w.
        for (int pass = 0; pass < 2; pass++) {
            for (int b = 0; b < n; b++) {
                for (int k = 0; k < o; k++) {
                    for (int i = 0; i < s; i++) {
                        for (int j = 0; j < s; j++) {
                            int at = ((b * o + k) * s + i) * s + j;
                            for (int ch = 0; ch < c; ch++) {
                                for (int di = -1; di <= 1; di++) {
                                    for (int dj = -1; dj <= 1; dj++) {
                                        int y = i + di;
                                        int x = j + dj;
                                        if (y < 0 || y >= s || x < 0 || x >= s) {
                                            continue;
                                        }
                                        int in = ((b * c + ch) * s + y) * s + x;
                                        double w = weights[((k * c + ch) * 3 + di + 1) * 3 + dj + 1];
                                        if (pass == 0) {
                                            out[at] += w * pixels[in];
                                        } else {
                                            grad[in] += 2 * out[at] * w;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        try (NDManager m = Engines.newManager()) {
            Engines.noGradOutsideCollector();
            NDArray kernel = m.create(weights, new Shape(o, c, 3, 3));
            NDArray x = m.create(pixels, new Shape(n, c, s, s));
            x.setRequiresGradient(true);
            float[] y;
            try (GradientCollector recording = m.getEngine().newGradientCollector()) {
                NDArray input = Engines.channelsLast(x);
                assertEquals(x.getShape(), input.getShape());
                assertArrayEquals(pixels, input.toFloatArray());
                NDArray conv = Conv2d.conv2d(input, kernel, null, new Shape(1, 1), new Shape(1, 1))
                        .singletonOrThrow();
                y = conv.toFloatArray();
                recording.backward(conv.square().sum());
            }
            assertArrayEquals(floats(out), y, 1e-4f);
            assertArrayEquals(floats(grad), x.getGradient().toFloatArray(), 1e-3f);
        }
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
