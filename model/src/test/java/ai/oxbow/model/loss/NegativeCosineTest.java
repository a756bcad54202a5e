package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SimSiam's D(p, sg(z)) against the formula in plain doubles, with its analytic gradient. */
class NegativeCosineTest {
    static final double[][] P = {{1, 2, 0}, {0.5, -1, 1}, {-2, 0.3, 0.7}};
    static final double[][] Z = {{0.8, 1.5, 0.4}, {1, -0.2, 2}, {-1, -1, 0.5}};

    /** D = -(1/N) sum_i p_i . z_i / (||p_i|| ||z_i||). */
    static double expected(double[][] p, double[][] z) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum += Rows.cos(p[i], z[i]);
        }
        return -sum / p.length;
    }

    /** dD/dp_i = -(1/N) (z^_i - (p^_i . z^_i) p^_i) / ||p_i||, with x^ = x / ||x||. */
    static double[][] gradient(double[][] p, double[][] z) {
        int n = p.length;
        double[][] grad = new double[n][p[0].length];
        for (int i = 0; i < n; i++) {
            double pn = Rows.norm(p[i]);
            double zn = Rows.norm(z[i]);
            double c = Rows.cos(p[i], z[i]);
            for (int d = 0; d < p[i].length; d++) {
                grad[i][d] = -(z[i][d] / zn - c * p[i][d] / pn) / pn / n;
            }
        }
        return grad;
    }

    @Test
    void matchesTheFormulaAndOnlyThePredictionGetsGradient() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray p = Rows.create(m, P);
            NDArray z = Rows.create(m, Z);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = NegativeCosine.loss(p, z);
                assertEquals(expected(P, Z), loss.getFloat(), 1e-6);
                gc.backward(loss);
            }
            Rows.assertGradient(gradient(P, Z), p, "dD/dp");
            assertArrayEquals(new float[9], z.getGradient().toFloatArray(), "the target is stop-gradient");
        }
    }

    /** SimSiam over views: mean over global g and every other view v of D(p_v, z_g). */
    static double pairs(double[][][] p, double[][][] z) {
        return MultiView.orderedMean(p, z, NegativeCosineTest::expected);
    }

    @Test
    void overViewsPredictionsOfEveryViewMeetTheTargetsOfTheOtherGlobalViews() {
        // Views 0-2 are predictions, 3-4 the targets of global views 0 and 1: the targets get no gradient.
        MultiView.check(
                MultiView.views(71, 5, 3, 4),
                v -> pairs(new double[][][] {v[0], v[1], v[2]}, new double[][][] {v[3], v[4]}),
                v -> NegativeCosine.loss(v.subList(0, 3), v.subList(3, 5)),
                Set.of(3, 4),
                1e-4);
    }

    @Test
    void analyticGradientAgreesWithCentralDifferences() {
        double[][] numeric = Rows.centralDifference(P, p -> expected(p, Z));
        double[][] analytic = gradient(P, Z);
        for (int i = 0; i < P.length; i++) {
            assertArrayEquals(numeric[i], analytic[i], 1e-8);
        }
    }
}
