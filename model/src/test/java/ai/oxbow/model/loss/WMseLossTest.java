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

/** W-MSE against its formula in plain doubles (slices, iterations, shrinkage), gradients by central differences. */
class WMseLossTest {
    static final int D = 3;

    /**
     * 1/(iterations N) sum over iterations and slices of sum_i (2 - 2 cos(w1_i, w2_i)), where
     * w = whiten(z[slice rows]) per view and slice s holds perm[s N / k .. (s + 1) N / k).
     */
    static double expected(double[][] z1, double[][] z2, List<int[]> perms, int slices, double eps) {
        int n = z1.length;
        double total = 0;
        for (int[] perm : perms) {
            for (int s = 0; s < slices; s++) {
                int from = s * n / slices;
                int to = (s + 1) * n / slices;
                double[][] a = new double[to - from][];
                double[][] b = new double[to - from][];
                for (int r = from; r < to; r++) {
                    a[r - from] = z1[perm[r]];
                    b[r - from] = z2[perm[r]];
                }
                double[][] wa = Numeric.whiten(a, eps);
                double[][] wb = Numeric.whiten(b, eps);
                for (int i = 0; i < wa.length; i++) {
                    double dot = 0;
                    double na = 0;
                    double nb = 0;
                    for (int j = 0; j < D; j++) {
                        dot += wa[i][j] * wb[i][j];
                        na += wa[i][j] * wa[i][j];
                        nb += wb[i][j] * wb[i][j];
                    }
                    total += 2 - 2 * dot / Math.sqrt(na * nb);
                }
            }
        }
        return total / (n * perms.size());
    }

    static double[][][] views(long seed, int n) {
        double[][] z1 = Numeric.gaussian(seed, n, D, 1, 0.2);
        double[][] z2 = Numeric.gaussian(seed + 1, n, D, 0.5, -0.1);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < D; j++) {
                z2[i][j] += z1[i][j];
            }
            z1[i][2] += 0.7 * z1[i][0]; // correlated columns, so whitening is not a rescaling
        }
        return new double[][][] {z1, z2};
    }

    void check(int n, List<int[]> perms, int whiteningSize, int slices, float eps) {
        double[][][] v = views(31 + n, n);
        double[][] z1 = v[0];
        double[][] z2 = v[1];
        double want = expected(z1, z2, perms, slices, eps);
        double[][] g1 = Numeric.gradient(x -> expected(x, z2, perms, slices, eps), z1, 1e-6);
        double[][] g2 = Numeric.gradient(x -> expected(z1, x, perms, slices, eps), z2, 1e-6);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = Numeric.create(m, z1);
            NDArray b = Numeric.create(m, z2);
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = WMseLoss.of(List.of(a, b), 2, perms, whiteningSize, eps);
                assertEquals(want, loss.getFloat(), 1e-4);
                Numeric.collectGarbage(m);
                gc.backward(loss);
            }
            assertClose(g1, a.getGradient(), 2e-3, "dL/dz1");
            assertClose(g2, b.getGradient(), 2e-3, "dL/dz2");
        }
    }

    @Test
    void twoIterationsOfTwoSlicesMatchTheFormula() {
        List<int[]> perms = List.of(new int[] {3, 7, 0, 9, 1, 5, 8, 2, 6, 4}, new int[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
        check(10, perms, 5, 2, 0f);
    }

    @Test
    void unevenBatchIsSplitIntoSlicesOfAtLeastWhiteningSize() {
        // N = 11, w_size = 5: two slices of 5 and 6 rows cover the batch.
        check(11, List.of(new int[] {10, 3, 7, 0, 9, 1, 5, 8, 2, 6, 4}), 5, 2, 0f);
    }

    @Test
    void batchSmallerThanWhiteningSizeIsOneSliceWithShrinkage() {
        int[] identity = {0, 1, 2, 3, 4, 5};
        check(6, List.of(identity), 128, 1, 0.1f);
    }

    @Test
    void overViewsEveryPairOfWhitenedViewsIsCompared() {
        // Three views, all global: the three pairs averaged, as the reference's num_pairs.
        List<int[]> perms = List.of(new int[] {3, 7, 0, 9, 1, 5, 8, 2, 6, 4});
        double[][][] z = {views(51, 10)[0], views(51, 10)[1], views(53, 10)[1]};
        MultiView.check(
                z,
                v -> (expected(v[0], v[1], perms, 2, 0)
                                + expected(v[0], v[2], perms, 2, 0)
                                + expected(v[1], v[2], perms, 2, 0))
                        / 3,
                v -> WMseLoss.of(v, 3, perms, 5, 0f),
                Set.of(),
                2e-4);
    }

    @Test
    void alignedWhitenedViewsCostNothing() {
        // z2 = z1 A + b for an upper-triangular A with positive diagonal: Cholesky whitening
        // maps both views to the same rows, so every cosine is 1.
        double[][] z1 = views(41, 10)[0];
        double[][] affine = {{2, 0.5, -1}, {0, 0.7, 0.3}, {0, 0, 1.5}};
        double[][] z2 = Numeric.multiply(z1, affine);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray loss = WMseLoss.of(
                    List.of(Numeric.create(m, z1), Numeric.create(m, z2).add(3)), 2, List.of(), 128, 0f);
            assertEquals(0, loss.getFloat(), 1e-5);
        }
    }
}
