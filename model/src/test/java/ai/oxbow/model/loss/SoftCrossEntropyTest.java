package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * The soft cross-entropy against its formula in doubles; the formula's helpers serve the SwAV and
 * DINO loss tests too.
 */
class SoftCrossEntropyTest {
    static final double[][] TARGETS = {{0.2, 0.5, 0.3}, {0.0, 0.9, 0.1}};
    static final double[][] LOGITS = {{1.0, -0.5, 2.0}, {0.3, 0.3, -1.2}};

    /** softmax(logits / t). */
    static double[] softmax(double[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l / temperature);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int k = 0; k < logits.length; k++) {
            p[k] = Math.exp(logits[k] / temperature - max);
            sum += p[k];
        }
        for (int k = 0; k < p.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    /** -sum_k target_k log softmax(logits / t)_k for one row. */
    static double crossEntropy(double[] target, double[] logits, double temperature) {
        double[] p = softmax(logits, temperature);
        double h = 0;
        for (int k = 0; k < p.length; k++) {
            h -= target[k] * Math.log(p[k]);
        }
        return h;
    }

    /**
     * Gradient of scale * H(target, logits / t) in the logits, row by row:
     * scale * (softmax(logits / t) sum_k target_k - target) / t.
     */
    static double[][] crossEntropyGradient(double[][] targets, double[][] logits, double temperature, double scale) {
        double[][] g = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            double[] p = softmax(logits[i], temperature);
            double mass = 0;
            for (double q : targets[i]) {
                mass += q;
            }
            g[i] = new double[p.length];
            for (int k = 0; k < p.length; k++) {
                g[i][k] = scale * (p[k] * mass - targets[i][k]) / temperature;
            }
        }
        return g;
    }

    @Test
    void matchesTheFormulaAndItsGradient() {
        int n = LOGITS.length;
        double want = 0;
        for (int i = 0; i < n; i++) {
            want += crossEntropy(TARGETS[i], LOGITS[i], 1) / n;
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray targets = Rows.create(m, TARGETS);
            NDArray logits = Rows.create(m, LOGITS);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = SoftCrossEntropy.of(targets.stopGradient(), logits);
                assertEquals(want, loss.getFloat(), 1e-5);
                gc.backward(loss);
            }
            Rows.assertGradient(crossEntropyGradient(TARGETS, LOGITS, 1, 1.0 / n), logits, "dL/dlogits");
        }
    }
}
