package ai.oxbow.model.loss;

import ai.oxbow.model.nd.Numeric;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * EMP-SSL's loss against the paper's formula in plain doubles, with the coding rate written as
 * the paper's d x d determinant (the loss computes the equal m x m one); gradients on every patch.
 */
class EmpLossTest {
    static final float LAMBDA = 200;
    static final float EPS = 0.2f;

    /**
     * L = -lambda (1/n) sum_i mean_b cos(z_i,b, zbar_b) - (1/n) sum_i 1/2 log det(I_d + d/(m eps) Z_i^T Z_i),
     * rows l2-normalised, zbar_b the mean of the image's normalised patch embeddings.
     */
    static double expected(double[][][] z) {
        int n = z.length;
        int m = z[0].length;
        int d = z[0][0].length;
        double[][][] unit = new double[n][m][];
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < m; b++) {
                double norm = Rows.norm(z[i][b]);
                unit[i][b] = new double[d];
                for (int k = 0; k < d; k++) {
                    unit[i][b][k] = z[i][b][k] / norm;
                }
            }
        }
        double similarity = 0;
        for (int b = 0; b < m; b++) {
            double[] mean = new double[d];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    mean[k] += unit[i][b][k] / n;
                }
            }
            for (int i = 0; i < n; i++) {
                similarity += Rows.cos(unit[i][b], mean) / (n * m);
            }
        }
        double rate = 0;
        for (int i = 0; i < n; i++) {
            double[][] a = Numeric.multiply(Numeric.transpose(unit[i]), unit[i]);
            for (int r = 0; r < d; r++) {
                for (int c = 0; c < d; c++) {
                    a[r][c] = (r == c ? 1 : 0) + a[r][c] * d / (m * EPS);
                }
            }
            double[][] l = Numeric.cholesky(a);
            for (int r = 0; r < d; r++) {
                rate += Math.log(l[r][r]) / n; // 1/2 log det = sum log L_rr
            }
        }
        return -LAMBDA * similarity - rate;
    }

    @Test
    void matchesThePapersLossAndItsGradientOnEveryPatch() {
        // 3 patches of 4 images in 6 dimensions: d > m, where the m x m form is the cheaper one.
        MultiView.check(
                MultiView.views(91, 3, 4, 6), EmpLossTest::expected, z -> EmpLoss.of(z, LAMBDA, EPS), Set.of(), 1e-4);
    }

    @Test
    void matchesWhenPatchesOutnumberDimensions() {
        MultiView.check(
                MultiView.views(92, 4, 5, 3), EmpLossTest::expected, z -> EmpLoss.of(z, LAMBDA, EPS), Set.of(), 1e-4);
    }
}
