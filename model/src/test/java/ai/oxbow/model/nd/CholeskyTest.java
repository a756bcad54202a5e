package ai.oxbow.model.nd;

import static ai.oxbow.model.nd.Numeric.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** The differentiable Cholesky against A = L L^T, a textbook Cholesky in doubles, and its gradient. */
class CholeskyTest {
    static final int D = 6;

    /** A random SPD matrix: B B^T + I. */
    static double[][] spd(long seed) {
        double[][] b = Numeric.gaussian(seed, D, D, 1, 0);
        double[][] a = Numeric.multiply(b, Numeric.transpose(b));
        for (int i = 0; i < D; i++) {
            a[i][i] += 1;
        }
        return a;
    }

    @Test
    void factorIsLowerTriangularAndReproducesTheMatrix() {
        double[][] a = spd(1);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray l = Cholesky.lower(Numeric.create(m, a));
            assertClose(a, l.matMul(l.transpose()), 1e-5, "L L^T");
            assertClose(Numeric.cholesky(a), l, 1e-5, "L");
            float[] flat = l.toFloatArray();
            for (int i = 0; i < D; i++) {
                for (int j = i + 1; j < D; j++) {
                    assertEquals(0f, flat[i * D + j], "L[" + i + "][" + j + "] above the diagonal");
                }
            }
        }
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        double[][] a = spd(2);
        double[][] weights = Numeric.gaussian(3, D, D, 1, 0);
        // f(A) = sum_ij G_ij L(A)_ij + sum_ij G_ij L(A)^-1_ij: reaches the factor and its inverse.
        double[][] want = Numeric.gradient(
                x -> {
                    double[][] l = Numeric.cholesky(x);
                    double[][] w = Numeric.invertLower(l);
                    double f = 0;
                    for (int i = 0; i < D; i++) {
                        for (int j = 0; j < D; j++) {
                            f += weights[i][j] * (l[i][j] + w[i][j]);
                        }
                    }
                    return f;
                },
                a,
                1e-6);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray na = Numeric.create(m, a);
            na.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray l = Cholesky.lower(na);
                NDArray f = l.add(l.inverse()).mul(Numeric.create(m, weights)).sum();
                Numeric.collectGarbage(m);
                gc.backward(f);
            }
            assertClose(want, na.getGradient(), 2e-3, "dF/dA");
        }
    }
}
