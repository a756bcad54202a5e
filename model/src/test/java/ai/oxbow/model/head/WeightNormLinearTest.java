package ai.oxbow.model.head;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.oxbow.model.nn.Network;
import org.junit.jupiter.api.Test;

/**
 * The weight-normalised layer against y = x (V / ||V||_row)^T in doubles, its gradient in V
 * against central finite differences of that formula.
 */
class WeightNormLinearTest {
    static final double[][] X = {{0.5, -1.0, 2.0}, {1.5, 0.3, -0.7}};
    static final double[][] V = {{2.0, 0.0, 1.0}, {-1.0, 3.0, 0.5}};
    /** L = sum_ij W_ij y_ij, a fixed linear read-out of the outputs. */
    static final double[][] W = {{1.0, -2.0}, {0.5, 3.0}};

    static double objective(double[][] v) {
        double l = 0;
        for (int i = 0; i < X.length; i++) {
            for (int j = 0; j < v.length; j++) {
                double norm = Math.sqrt(v[j][0] * v[j][0] + v[j][1] * v[j][1] + v[j][2] * v[j][2]);
                double y = (X[i][0] * v[j][0] + X[i][1] * v[j][1] + X[i][2] * v[j][2]) / norm;
                l += W[i][j] * y;
            }
        }
        return l;
    }

    @Test
    void forwardAndGradientMatchTheFormula() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Network layer = new Network("last", new WeightNormLinear(2), m, new Shape(2, 3));
            NDArray v = layer.trainable().get(0).getValue().getArray();
            m.create(new float[] {2, 0, 1, -1, 3, 0.5f}, new Shape(2, 3)).copyTo(v);
            NDArray x = m.create(new float[] {0.5f, -1, 2, 1.5f, 0.3f, -0.7f}, new Shape(2, 3));
            NDArray w = m.create(new float[] {1, -2, 0.5f, 3}, new Shape(2, 2));
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = layer.forward(x, true).mul(w).sum();
                assertEquals(objective(V), loss.getFloat(), 1e-5);
                gc.backward(loss);
            }
            float[] got = v.getGradient().toFloatArray();
            double h = 1e-6;
            for (int j = 0; j < 2; j++) {
                for (int d = 0; d < 3; d++) {
                    double[][] plus = {V[0].clone(), V[1].clone()};
                    double[][] minus = {V[0].clone(), V[1].clone()};
                    plus[j][d] += h;
                    minus[j][d] -= h;
                    double want = (objective(plus) - objective(minus)) / (2 * h);
                    assertEquals(want, got[3 * j + d], 1e-5, "dL/dV[" + j + "][" + d + "]");
                }
            }
        }
    }
}
