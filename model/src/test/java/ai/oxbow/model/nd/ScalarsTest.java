package ai.oxbow.model.nd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** Scalar products keep exact gradients when the JVM frees memory between forward and backward. */
class ScalarsTest {

    @Test
    void gradientsSurviveGarbageCollectionBetweenForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = m.create(new float[] {1f, -2f, 3f});
            x.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray y = Scalars.mul(x, 3f).add(Scalars.div(x, 4f)).sum();
                Numeric.collectGarbage(m);
                gc.backward(y);
            }
            assertArrayEquals(new float[] {3.25f, 3.25f, 3.25f}, x.getGradient().toFloatArray());
        }
    }

    @Test
    void l2NormalizeGradientSurvivesGarbageCollection() {
        // d/dx of sum(x / ||x||) for x = (3, 4): (1 - x_i sum(x) / ||x||^2) / ||x|| = (0.032, -0.024).
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = m.create(new float[] {3f, 4f}, new ai.djl.ndarray.types.Shape(1, 2));
            x.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray y = Tensors.l2Normalize(x).sum();
                Numeric.collectGarbage(m);
                gc.backward(y);
            }
            assertArrayEquals(new float[] {0.032f, -0.024f}, x.getGradient().toFloatArray(), 1e-6f);
        }
    }
}
