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

/** VICReg term by term against the paper's formulas in plain doubles, gradients by central differences. */
class VicRegLossTest {
    static final int N = 5;
    static final int D = 4;

    /** s = 1/(N D) sum_ij (z_ij - z'_ij)^2. */
    static double invariance(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                s += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]) / (N * D);
            }
        }
        return s;
    }

    /** Cov = Z_c^T Z_c / (N - 1). */
    static double[][] covarianceMatrix(double[][] z) {
        double[][] c = Numeric.multiply(Numeric.transpose(Numeric.centre(z)), Numeric.centre(z));
        for (double[] row : c) {
            for (int j = 0; j < D; j++) {
                row[j] /= N - 1;
            }
        }
        return c;
    }

    /** v = 1/D sum_j max(0, 1 - sqrt(Cov_jj + 1e-4)). */
    static double variance(double[][] z) {
        double[][] c = covarianceMatrix(z);
        double v = 0;
        for (int j = 0; j < D; j++) {
            v += Math.max(0, 1 - Math.sqrt(c[j][j] + 1e-4)) / D;
        }
        return v;
    }

    /** c = 1/D sum_{i != j} Cov_ij^2. */
    static double covariance(double[][] z) {
        double[][] c = covarianceMatrix(z);
        double s = 0;
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                s += i == j ? 0 : c[i][j] * c[i][j] / D;
            }
        }
        return s;
    }

    static double expected(double[][] a, double[][] b) {
        return 25 * invariance(a, b) + 25 * (variance(a) + variance(b)) + covariance(a) + covariance(b);
    }

    /** Columns with spreads on both sides of the hinge at std = 1, and correlated columns. */
    static double[][] views(long seed) {
        double[][] z = Numeric.gaussian(seed, N, D, 1, 0);
        for (double[] row : z) {
            row[0] *= 0.3;
            row[1] *= 2.5;
            row[3] = 0.5 * row[3] + 0.8 * row[2];
        }
        return z;
    }

    @Test
    void eachTermAndTheTotalMatchTheFormulasWithGradients() {
        double[][] z1 = views(21);
        double[][] z2 = views(22);
        double[][] g1 = Numeric.gradient(x -> expected(x, z2), z1, 1e-6);
        double[][] g2 = Numeric.gradient(x -> expected(z1, x), z2, 1e-6);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = Numeric.create(m, z1);
            NDArray b = Numeric.create(m, z2);
            assertEquals(invariance(z1, z2), VicRegLoss.invariance(a, b).getFloat(), 1e-5);
            assertEquals(variance(z1), VicRegLoss.variance(a).getFloat(), 1e-5);
            assertEquals(covariance(z1), VicRegLoss.covariance(a).getFloat(), 1e-5);
            assertEquals(variance(z2), VicRegLoss.variance(b).getFloat(), 1e-5);
            assertEquals(covariance(z2), VicRegLoss.covariance(b).getFloat(), 1e-5);
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = VicRegLoss.of(List.of(a, b), 2, 25f, 25f, 1f);
                assertEquals(expected(z1, z2), loss.getFloat(), 1e-5 * expected(z1, z2));
                Numeric.collectGarbage(m);
                gc.backward(loss);
            }
            assertClose(g1, a.getGradient(), 1e-3, "dL/dz1");
            assertClose(g2, b.getGradient(), 1e-3, "dL/dz2");
        }
    }

    /** Mean of the pair loss over pairs {g, v}: g one of the first {@code globals} views, v > g. */
    static double pairs(double[][][] z, int globals) {
        return MultiView.unorderedMean(z, globals, VicRegLossTest::expected);
    }

    @Test
    void overViewsThePairLossIsAveragedOverEveryPairWithAGlobalView() {
        double[][][] z = MultiView.views(24, 3, N, D);
        MultiView.check(z, v -> pairs(v, 2), v -> VicRegLoss.of(v, 2, 25f, 25f, 1f), Set.of(), 1e-4);
        // One global view: the local views are compared with it, not with each other.
        MultiView.check(z, v -> pairs(v, 1), v -> VicRegLoss.of(v, 1, 25f, 25f, 1f), Set.of(), 1e-4);
    }

    @Test
    void varianceHingeIsInactiveAboveUnitStd() {
        double[][] z = Numeric.gaussian(23, 50, D, 3, 0);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertEquals(0, VicRegLoss.variance(Numeric.create(m, z)).getFloat());
        }
    }
}
