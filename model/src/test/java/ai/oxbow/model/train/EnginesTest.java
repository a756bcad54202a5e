package ai.oxbow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

import java.util.Random;

class EnginesTest {

    /** The layout change must be invisible to the model: same values, same convolution, same gradients. */
    @Test
    void channelsLastIsTheSameArrayForConvolutionAndAutograd() {
        try (NDManager m = Engines.newManager()) {
            Engines.noGradOutsideCollector();
            Random random = new Random(7);
            float[] pixels = new float[2 * 3 * 5 * 5];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = random.nextFloat();
            }
            float[] weights = new float[4 * 3 * 3 * 3];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) random.nextGaussian();
            }
            NDArray kernel = m.create(weights, new Shape(4, 3, 3, 3));
            float[][] out = new float[2][];
            float[][] grad = new float[2][];
            for (int layout = 0; layout < 2; layout++) {
                NDArray x = m.create(pixels, new Shape(2, 3, 5, 5));
                x.setRequiresGradient(true);
                try (GradientCollector collector = m.getEngine().newGradientCollector()) {
                    NDArray input = layout == 0 ? x : Engines.channelsLast(x);
                    assertEquals(x.getShape(), input.getShape());
                    assertArrayEquals(pixels, input.toFloatArray());
                    NDArray y = Conv2d.conv2d(input, kernel, null, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
                    out[layout] = y.toFloatArray();
                    collector.backward(y.square().sum());
                }
                grad[layout] = x.getGradient().toFloatArray();
            }
            assertArrayEquals(out[0], out[1], 1e-4f);
            assertArrayEquals(grad[0], grad[1], 1e-3f);
        }
    }
}
