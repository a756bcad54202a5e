package ai.oxbow.model.loss;

import static ai.oxbow.model.nd.Numeric.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.oxbow.model.nd.Numeric;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Barlow Twins against its formula in plain doubles, gradients by central differences. */
class BarlowTwinsLossTest {
    static final int N = 6;
    static final int D = 4;
    // Large enough that the off-diagonal term matters at float32 tolerance.
    static final double LAMBDA = 0.3;
    static final double SCALE = 0.5;

    /** Column j to (x - mean) / sqrt(biased variance + 1e-5), as BatchNorm1d(affine=False). */
    static double[][] standardise(double[][] z) {
        double[][] c = Numeric.centre(z);
        for (int j = 0; j < D; j++) {
            double var = 0;
            for (int i = 0; i < N; i++) {
                var += c[i][j] * c[i][j] / N;
            }
            for (int i = 0; i < N; i++) {
                c[i][j] /= Math.sqrt(var + 1e-5);
            }
        }
        return c;
    }

    /** scale * (sum_i (1 - C_ii)^2 + lambda sum_{i != j} C_ij^2), C = bn(z1)^T bn(z2) / N. */
    static double expected(double[][] z1, double[][] z2) {
        double[][] a = standardise(z1);
        double[][] b = standardise(z2);
        double loss = 0;
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                double c = 0;
                for (int k = 0; k < N; k++) {
                    c += a[k][i] * b[k][j] / N;
                }
                loss += i == j ? (1 - c) * (1 - c) : LAMBDA * c * c;
            }
        }
        return SCALE * loss;
    }

    @Test
    void matchesTheFormulaAndItsGradients() {
        double[][] z1 = Numeric.gaussian(11, N, D, 1.5, 0.3);
        double[][] z2 = Numeric.gaussian(12, N, D, 0.7, -0.2);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                z2[i][j] += 0.8 * z1[i][j]; // correlated views: C far from 0 and from I
            }
        }
        double[][] g1 = Numeric.gradient(x -> expected(x, z2), z1, 1e-6);
        double[][] g2 = Numeric.gradient(x -> expected(z1, x), z2, 1e-6);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = Numeric.create(m, z1);
            NDArray b = Numeric.create(m, z2);
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = BarlowTwinsLoss.of(List.of(a, b), 2, (float) LAMBDA, (float) SCALE);
                assertEquals(expected(z1, z2), loss.getFloat(), 1e-5 * Math.max(1, expected(z1, z2)));
                Numeric.collectGarbage(m);
                gc.backward(loss);
            }
            assertClose(g1, a.getGradient(), 1e-3, "dL/dz1");
            assertClose(g2, b.getGradient(), 1e-3, "dL/dz2");
        }
    }

    /** Mean of the pair loss over pairs {g, v}: g one of the first {@code globals} views, v > g. */
    static double pairs(double[][][] z, int globals) {
        return MultiView.unorderedMean(z, globals, BarlowTwinsLossTest::expected);
    }

    @Test
    void overViewsThePairLossIsAveragedOverEveryPairWithAGlobalView() {
        double[][][] z = MultiView.views(13, 4, N, D);
        MultiView.check(
                z, v -> pairs(v, 2), v -> BarlowTwinsLoss.of(v, 2, (float) LAMBDA, (float) SCALE), Set.of(), 1e-4);
    }

    @Test
    void identicalDecorrelatedViewsCostNothing() {
        // Columns of +-1 that are orthogonal over the batch: C = I exactly (up to BatchNorm's eps).
        double[][] z = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray loss = BarlowTwinsLoss.of(List.of(Numeric.create(m, z), Numeric.create(m, z)), 2, 0.0051f, 1f);
            assertEquals(0, loss.getFloat(), 1e-4);
        }
    }
}
