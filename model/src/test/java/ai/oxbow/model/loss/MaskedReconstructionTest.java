package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.oxbow.model.nd.Numeric;
import org.junit.jupiter.api.Test;

/**
 * MAE's and SimMIM's losses against their formulas in plain doubles, gradients included; only
 * masked patches count: changing a visible patch's prediction changes nothing.
 */
class MaskedReconstructionTest {
    /** Four patches of six values (two channels of 1 x 3 pixels, say); patches 1 and 3 masked. */
    static final double[][] PRED = {
        {0.1, -0.4, 0.9, 1.2, 0.3, -1},
        {2, 0.5, -0.3, 0.8, 0.1, 0.4},
        {-0.6, 0.2, 0.2, 0.7, -1.1, 0.5},
        {0.3, 0.3, -0.9, 1.5, -0.2, 0.6}
    };

    static final double[][] PIXELS = {
        {0.2, 0.4, 0.1, 0.9, 0.5, 0.3},
        {0.7, 0.1, 0.6, 0.2, 0.8, 0.4},
        {0.9, 0.9, 0.2, 0.1, 0.3, 0.6},
        {0.5, 0.0, 0.4, 0.8, 0.2, 0.7}
    };
    static final double[] MASK = {0, 1, 0, 1};

    /** MAE: mean over masked patches of the mean over values of (pred - (x - mu) / sqrt(var + 1e-6))^2. */
    static double mae(double[][] pred, boolean normalize) {
        double sum = 0;
        double count = 0;
        for (int i = 0; i < pred.length; i++) {
            double[] x = PIXELS[i];
            double mean = 0;
            for (double v : x) {
                mean += v / x.length;
            }
            double var = 0;
            for (double v : x) {
                var += (v - mean) * (v - mean) / (x.length - 1);
            }
            double patch = 0;
            for (int d = 0; d < x.length; d++) {
                double target = normalize ? (x[d] - mean) / Math.sqrt(var + 1e-6) : x[d];
                patch += (pred[i][d] - target) * (pred[i][d] - target) / x.length;
            }
            sum += MASK[i] * patch;
            count += MASK[i];
        }
        return sum / count;
    }

    /** SimMIM: sum of |pred - x| over masked values / (masked patches x pixel positions + 1e-5) / channels. */
    static double simmim(double[][] pred, int channels) {
        double sum = 0;
        double positions = 0;
        for (int i = 0; i < pred.length; i++) {
            for (int d = 0; d < pred[i].length; d++) {
                sum += MASK[i] * Math.abs(pred[i][d] - PIXELS[i][d]);
            }
            positions += MASK[i] * pred[i].length / channels;
        }
        return sum / (positions + 1e-5) / channels;
    }

    @Test
    void maeMatchesItsFormulaOnMaskedPatchesOnly() {
        for (boolean normalize : new boolean[] {true, false}) {
            double[][] want = Rows.centralDifference(PRED, p -> mae(p, normalize));
            try (NDManager m = NDManager.newBaseManager("PyTorch")) {
                NDArray pred = Rows.create(m, PRED);
                NDArray pixels = Rows.create(m, PIXELS);
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    NDArray loss = MaeLoss.of(pred, pixels, m.create(toFloat(MASK)), normalize);
                    assertEquals(mae(PRED, normalize), loss.getFloat(), 1e-5);
                    Numeric.collectGarbage(m);
                    gc.backward(loss);
                }
                Rows.assertGradient(want, pred, "dL/dpred");
                assertVisibleRowsGetNoGradient(pred);
            }
        }
    }

    @Test
    void simmimMatchesItsFormulaOnMaskedPatchesOnly() {
        double[][] want = Rows.centralDifference(PRED, p -> simmim(p, 2));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray pred = Rows.create(m, PRED);
            NDArray pixels = Rows.create(m, PIXELS);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = SimMimLoss.of(pred, pixels, m.create(toFloat(MASK)), 2);
                assertEquals(simmim(PRED, 2), loss.getFloat(), 1e-5);
                Numeric.collectGarbage(m);
                gc.backward(loss);
            }
            Rows.assertGradient(want, pred, "dL/dpred");
            assertVisibleRowsGetNoGradient(pred);
        }
    }

    private static void assertVisibleRowsGetNoGradient(NDArray pred) {
        float[] g = pred.getGradient().toFloatArray();
        int dim = PRED[0].length;
        for (int i = 0; i < MASK.length; i++) {
            for (int d = 0; d < dim; d++) {
                if (MASK[i] == 0) {
                    assertEquals(0.0, Math.abs(g[i * dim + d]), "visible patch " + i + " has no say in the loss");
                }
            }
        }
    }

    private static float[] toFloat(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }
}
