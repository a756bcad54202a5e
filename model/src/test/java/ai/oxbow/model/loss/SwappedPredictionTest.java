package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SwAV's swapped prediction against the formula in doubles, with Sinkhorn codes as constants. */
class SwappedPredictionTest {
    static final double[][] SCORES1 = SinkhornKnoppTest.SCORES;
    static final double[][] SCORES2 = {{0.2, 0.9, -0.1}, {-0.4, 0.5, 0.6}, {0.3, 0.3, 0.3}, {0.1, -0.8, 0.7}};
    static final float T = 0.1f;
    static final float EPS = 0.05f;
    static final int ITERATIONS = 3;
    static final double[][] CODES1 = SinkhornKnoppTest.reference(SCORES1, EPS, ITERATIONS);
    static final double[][] CODES2 = SinkhornKnoppTest.reference(SCORES2, EPS, ITERATIONS);

    /** L = 1/2 [mean_i H(q2_i, s1_i) + mean_i H(q1_i, s2_i)], H(q, s) = -sum_k q_k log softmax(s / t)_k. */
    static double expectedLoss() {
        int b = SCORES1.length;
        double loss = 0;
        for (int i = 0; i < b; i++) {
            loss += (SoftCrossEntropyTest.crossEntropy(CODES2[i], SCORES1[i], T)
                            + SoftCrossEntropyTest.crossEntropy(CODES1[i], SCORES2[i], T))
                    / (2 * b);
        }
        return loss;
    }

    @Test
    void matchesTheFormulaAndNoGradientFlowsThroughTheCodes() {
        double scale = 1.0 / (2 * SCORES1.length);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray s1 = Rows.create(m, SCORES1);
            NDArray s2 = Rows.create(m, SCORES2);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                // Codes computed from the very scores that receive gradients: had they kept a
                // graph, the gradient would differ from the constant-code formula.
                NDArray loss = SwappedPrediction.loss(
                        List.of(s1, s2),
                        List.of(SinkhornKnopp.codes(s1, EPS, ITERATIONS), SinkhornKnopp.codes(s2, EPS, ITERATIONS)),
                        T);
                assertEquals(expectedLoss(), loss.getFloat(), 1e-4);
                gc.backward(loss);
            }
            // dL/ds1_ik = (softmax(s1_i / t)_k sum_k' q2_ik' - q2_ik) / (2 B t), and likewise for s2.
            Rows.assertGradient(SoftCrossEntropyTest.crossEntropyGradient(CODES2, SCORES1, T, scale), s1, "dL/ds1");
            Rows.assertGradient(SoftCrossEntropyTest.crossEntropyGradient(CODES1, SCORES2, T, scale), s2, "dL/ds2");
        }
    }

    /** Multi-crop: mean over global g and every other view v of mean_i H(q_g_i, s_v_i). */
    static double multiCrop(double[][][] scores, double[][][] codes) {
        double sum = 0;
        int pairs = 0;
        for (int g = 0; g < codes.length; g++) {
            for (int v = 0; v < scores.length; v++) {
                if (v == g) {
                    continue;
                }
                for (int i = 0; i < scores[v].length; i++) {
                    sum += SoftCrossEntropyTest.crossEntropy(codes[g][i], scores[v][i], T) / scores[v].length;
                }
                pairs++;
            }
        }
        return sum / pairs;
    }

    @Test
    void multiCropPredictsTheGlobalCodesFromEveryOtherViewIncludingLocalCrops() {
        double[][][] scores = {SCORES1, SCORES2, {{0.5, 0.1, -0.3}, {0.2, 0.2, 0.9}, {-0.6, 0.4, 0.1}, {0.3, -0.2, 0.0}}
        };
        double[][][] codes = {CODES1, CODES2};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            List<NDArray> q = List.of(Rows.create(m, CODES1), Rows.create(m, CODES2));
            MultiView.check(scores, s -> multiCrop(s, codes), s -> SwappedPrediction.loss(s, q, T), Set.of(), 1e-4);
        }
    }

    @Test
    void theCodesReceiveNoGradient() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray c1 = Rows.create(m, CODES1);
            NDArray c2 = Rows.create(m, CODES2);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = SwappedPrediction.loss(
                        List.of(Rows.create(m, SCORES1), Rows.create(m, SCORES2)), List.of(c1, c2), T);
                assertEquals(expectedLoss(), loss.getFloat(), 1e-4);
                gc.backward(loss);
            }
            int size = CODES1.length * CODES1[0].length;
            assertArrayEquals(new float[size], c1.getGradient().toFloatArray(), "codes of view 1 are stop-gradient");
            assertArrayEquals(new float[size], c2.getGradient().toFloatArray(), "codes of view 2 are stop-gradient");
        }
    }
}
