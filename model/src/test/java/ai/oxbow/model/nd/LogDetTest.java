package ai.oxbow.model.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** log det against a textbook Cholesky in doubles; its gradient against central differences. */
class LogDetTest {
    static final int M = 4;

    /** A batch of two symmetric positive-definite matrices X X^T + I. */
    static double[][][] matrices() {
        double[][][] out = new double[2][][];
        for (int b = 0; b < 2; b++) {
            double[][] x = Numeric.gaussian(100 + b, M, M, 1, 0);
            out[b] = Numeric.multiply(x, Numeric.transpose(x));
            for (int i = 0; i < M; i++) {
                out[b][i][i] += 1;
            }
        }
        return out;
    }

    /**
     * log det by Gaussian elimination with partial pivoting, which reads every entry, so central
     * differences of single entries give d log det / dA_ij = (A^-T)_ij.
     */
    static double logDet(double[][] a) {
        int n = a.length;
        double[][] u = new double[n][];
        for (int i = 0; i < n; i++) {
            u[i] = a[i].clone();
        }
        double sum = 0;
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(u[r][c]) > Math.abs(u[pivot][c])) {
                    pivot = r;
                }
            }
            double[] row = u[pivot];
            u[pivot] = u[c];
            u[c] = row;
            sum += Math.log(Math.abs(u[c][c]));
            for (int r = c + 1; r < n; r++) {
                double f = u[r][c] / u[c][c];
                for (int k = c; k < n; k++) {
                    u[r][k] -= f * u[c][k];
                }
            }
        }
        return sum;
    }

    @Test
    void valueAndGradientOfEachMatrixInTheBatch() {
        double[][][] a = matrices();
        float[] flat = new float[2 * M * M];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < M; i++) {
                for (int j = 0; j < M; j++) {
                    flat[(b * M + i) * M + j] = (float) a[b][i][j];
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = m.create(flat, new Shape(2, M, M));
            x.setRequiresGradient(true);
            NDArray weights = m.create(new float[] {1f, -0.5f});
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray values = LogDet.of(x);
                float[] got = values.toFloatArray();
                for (int b = 0; b < 2; b++) {
                    assertEquals(logDet(a[b]), got[b], 1e-5 * Math.abs(logDet(a[b])));
                }
                Numeric.collectGarbage(m);
                gc.backward(values.mul(weights).sum());
            }
            float[] grad = x.getGradient().toFloatArray();
            double[] w = {1, -0.5};
            for (int b = 0; b < 2; b++) {
                int batch = b;
                double[][] want = Numeric.gradient(y -> w[batch] * logDet(y), a[b], 1e-6);
                for (int i = 0; i < M; i++) {
                    for (int j = 0; j < M; j++) {
                        assertEquals(
                                want[i][j], grad[(b * M + i) * M + j], 1e-4, "d/dA[" + b + "][" + i + "][" + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void aMatrixThatIsNotPositiveDefiniteGivesNaN() {
        assertTrue(Double.isNaN(LogDet.choleskyLogDet(new float[] {1, 2, 2, 1}, 0, 2)));
    }
}
