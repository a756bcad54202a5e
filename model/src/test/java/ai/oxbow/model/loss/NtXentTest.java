package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** NT-Xent against SimCLR's eq. 1 written out in plain doubles; gradients by central differences. */
class NtXentTest {
    static final double[][] Z1 = {{1, 2, 0}, {0.5, -1, 1}, {-2, 0.3, 0.7}};
    static final double[][] Z2 = {{0.8, 1.5, 0.4}, {1, -0.2, 2}, {-1, -1, 0.5}};
    static final float T = 0.5f;

    /**
     * With views v = [z1; z2] (2N rows), s_ij = cos(v_i, v_j) / t and p(i) = (i + N) mod 2N:
     * L = (1 / 2N) sum_i -log(exp(s_i,p(i)) / sum_{k != i} exp(s_ik)).
     */
    static double expected(double[][] z1, double[][] z2) {
        int n = z1.length;
        double[][] v = new double[2 * n][];
        for (int i = 0; i < n; i++) {
            v[i] = z1[i];
            v[n + i] = z2[i];
        }
        double loss = 0;
        for (int i = 0; i < 2 * n; i++) {
            double denominator = 0;
            for (int k = 0; k < 2 * n; k++) {
                if (k != i) {
                    denominator += Math.exp(Rows.cos(v[i], v[k]) / T);
                }
            }
            double positive = Math.exp(Rows.cos(v[i], v[(i + n) % (2 * n)]) / T);
            loss -= Math.log(positive / denominator);
        }
        return loss / (2 * n);
    }

    @Test
    void matchesTheFormulaAndItsGradientOnBothViews() {
        double[][] want1 = Rows.centralDifference(Z1, z -> expected(z, Z2));
        double[][] want2 = Rows.centralDifference(Z2, z -> expected(Z1, z));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray z1 = Rows.create(m, Z1);
            NDArray z2 = Rows.create(m, Z2);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = NtXent.loss(List.of(z1, z2), T);
                assertEquals(expected(Z1, Z2), loss.getFloat(), 1e-5);
                gc.backward(loss);
            }
            Rows.assertGradient(want1, z1, "dL/dz1");
            Rows.assertGradient(want2, z2, "dL/dz2");
        }
    }

    @Test
    void isSymmetricInTheTwoViews() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float forward = NtXent.loss(List.of(Rows.create(m, Z1), Rows.create(m, Z2)), T)
                    .getFloat();
            float swapped = NtXent.loss(List.of(Rows.create(m, Z2), Rows.create(m, Z1)), T)
                    .getFloat();
            assertEquals(forward, swapped, 1e-6);
            assertEquals(expected(Z2, Z1), swapped, 1e-5);
        }
    }

    /**
     * V views: anchors are all VN views, P(i) the other V - 1 views of i's image,
     * l_i = -1/(V - 1) sum_{p in P(i)} log(exp(s_ip) / sum_{k != i} exp(s_ik)), L = mean_i l_i.
     */
    static double expected(double[][][] views) {
        int v = views.length;
        int n = views[0].length;
        double loss = 0;
        for (int a = 0; a < v; a++) {
            for (int i = 0; i < n; i++) {
                double denominator = 0;
                for (int b = 0; b < v; b++) {
                    for (int j = 0; j < n; j++) {
                        if (b != a || j != i) {
                            denominator += Math.exp(Rows.cos(views[a][i], views[b][j]) / T);
                        }
                    }
                }
                for (int b = 0; b < v; b++) {
                    if (b != a) {
                        loss -= Math.log(Math.exp(Rows.cos(views[a][i], views[b][i]) / T) / denominator) / (v - 1);
                    }
                }
            }
        }
        return loss / (v * n);
    }

    @Test
    void everyOtherViewOfAnImageIsAPositive() {
        MultiView.check(MultiView.views(5, 4, 3, 3), NtXentTest::expected, z -> NtXent.loss(z, T), Set.of(), 1e-4);
    }

    @Test
    void twoViewsAreSimClrsNtXent() {
        assertEquals(expected(Z1, Z2), expected(new double[][][] {Z1, Z2}), 1e-12);
    }
}
