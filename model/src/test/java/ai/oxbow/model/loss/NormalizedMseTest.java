package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** BYOL's loss as the mean squared distance of normalised vectors in plain doubles, gradients included. */
class NormalizedMseTest {
    static final double[][] P = {{1, 2, 0}, {0.5, -1, 1}, {-2, 0.3, 0.7}};
    static final double[][] Z = {{0.8, 1.5, 0.4}, {1, -0.2, 2}, {-1, -1, 0.5}};

    /** L = (1/N) sum_i ||p_i / ||p_i|| - z_i / ||z_i||||^2, written as the squared distance (eq. 2). */
    static double expected(double[][] p, double[][] z) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double pn = Rows.norm(p[i]);
            double zn = Rows.norm(z[i]);
            for (int d = 0; d < p[i].length; d++) {
                double diff = p[i][d] / pn - z[i][d] / zn;
                sum += diff * diff;
            }
        }
        return sum / p.length;
    }

    @Test
    void matchesTheFormulaAndOnlyThePredictionGetsGradient() {
        double[][] want = Rows.centralDifference(P, p -> expected(p, Z));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray p = Rows.create(m, P);
            NDArray z = Rows.create(m, Z);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = NormalizedMse.loss(p, z);
                assertEquals(expected(P, Z), loss.getFloat(), 1e-6);
                gc.backward(loss);
            }
            Rows.assertGradient(want, p, "dL/dp");
            assertArrayEquals(new float[9], z.getGradient().toFloatArray(), "the target is stop-gradient");
        }
    }

    /** BYOL over views: twice the mean over global g and every other view v of L(p_v, z_g). */
    static double pairs(double[][][] p, double[][][] z) {
        return 2 * MultiView.orderedMean(p, z, NormalizedMseTest::expected);
    }

    @Test
    void overViewsTwiceTheMeanOfThePairTermsWithoutGradientToTargets() {
        MultiView.check(
                MultiView.views(72, 5, 3, 4),
                v -> pairs(new double[][][] {v[0], v[1], v[2]}, new double[][][] {v[3], v[4]}),
                v -> NormalizedMse.loss(v.subList(0, 3), v.subList(3, 5)),
                Set.of(3, 4),
                1e-4);
    }

    @Test
    void twoViewsGiveThePapersSymmetrisedSum() {
        // Predictions p_0 = P, p_1 = Z and targets z_0 = P, z_1 = Z: L(p_1, z_0) + L(p_0, z_1).
        assertEquals(expected(Z, P) + expected(P, Z), pairs(new double[][][] {P, Z}, new double[][][] {P, Z}), 1e-12);
    }
}
