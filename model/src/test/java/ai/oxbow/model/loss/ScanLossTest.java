package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.oxbow.model.nd.Numeric;
import org.junit.jupiter.api.Test;

/** SCAN's losses against eq. 2 and ConfidenceBasedCE in plain doubles, gradients included. */
class ScanLossTest {
    static final double[][] ANCHORS = {{2, 0.1, -1}, {0.3, 1.5, 0.2}, {-0.5, 0.4, 1.8}, {1.1, 1.0, -0.3}};
    static final double[][] NEIGHBORS = {{1.6, 0.4, -0.7}, {0.1, 0.9, 0.6}, {0.2, -0.1, 1.2}, {0.4, 1.3, 0.1}};

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int k = 0; k < z.length; k++) {
            p[k] = Math.exp(z[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < z.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    /** -(1/B) sum_i log <p(a_i), p(n_i)> - lambda H(mean_i p(a_i)). */
    static double scan(double[][] anchors, double[][] neighbors, double lambda) {
        int b = anchors.length;
        int k = anchors[0].length;
        double consistency = 0;
        double[] mean = new double[k];
        for (int i = 0; i < b; i++) {
            double[] pa = softmax(anchors[i]);
            double[] pn = softmax(neighbors[i]);
            consistency -= Math.log(Rows.dot(pa, pn)) / b;
            for (int c = 0; c < k; c++) {
                mean[c] += pa[c] / b;
            }
        }
        double entropy = 0;
        for (double p : mean) {
            entropy -= p * Math.log(p);
        }
        return consistency - lambda * entropy;
    }

    @Test
    void scanLossMatchesEquationTwoWithGradientToBothSides() {
        double[][] wantA = Rows.centralDifference(ANCHORS, a -> scan(a, NEIGHBORS, 5));
        double[][] wantN = Rows.centralDifference(NEIGHBORS, n -> scan(ANCHORS, n, 5));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = Rows.create(m, ANCHORS);
            NDArray n = Rows.create(m, NEIGHBORS);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = ScanLoss.of(a, n, ScanLoss.ENTROPY_WEIGHT);
                assertEquals(scan(ANCHORS, NEIGHBORS, 5), loss.getFloat(), 1e-5);
                Numeric.collectGarbage(m);
                gc.backward(loss);
            }
            Rows.assertGradient(wantA, a, "dL/danchors");
            Rows.assertGradient(wantN, n, "dL/dneighbors");
        }
    }

    /**
     * ConfidenceBasedCE: labels argmax p(weak) where max p(weak) > t; weight_k = n / count_k over
     * the n confident samples; sum_i w_y_i (-log softmax(strong_i)_y_i) / sum_i w_y_i.
     */
    static double selfLabel(double[][] weak, double[][] strong, double t) {
        int k = weak[0].length;
        int[] label = new int[weak.length];
        int[] counts = new int[k];
        int n = 0;
        for (int i = 0; i < weak.length; i++) {
            double[] p = softmax(weak[i]);
            label[i] = -1;
            for (int c = 0; c < k; c++) {
                if (p[c] > t) {
                    label[i] = c;
                }
            }
            if (label[i] >= 0) {
                counts[label[i]]++;
                n++;
            }
        }
        double sum = 0;
        double weights = 0;
        for (int i = 0; i < weak.length; i++) {
            if (label[i] >= 0) {
                double w = (double) n / counts[label[i]];
                sum -= w * Math.log(softmax(strong[i])[label[i]]);
                weights += w;
            }
        }
        return sum / weights;
    }

    @Test
    void selfLabellingTrainsConfidentSamplesWeightedByRarity() {
        // Confident at t = 0.6: rows 0 (class 0), 2 (class 2) and 3 (class 0): weights 1.5, 3, 1.5.
        double[][] weak = {{3, 0.1, -1}, {0.3, 0.5, 0.2}, {-0.5, 0.4, 2.8}, {2.5, 1.0, -0.3}};
        double[][] want = Rows.centralDifference(NEIGHBORS, s -> selfLabel(weak, s, 0.6));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = Rows.create(m, weak);
            NDArray s = Rows.create(m, NEIGHBORS);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = ScanLoss.selfLabel(w, s, 0.6f);
                assertEquals(selfLabel(weak, NEIGHBORS, 0.6), loss.getFloat(), 1e-5);
                Numeric.collectGarbage(m);
                gc.backward(loss);
            }
            Rows.assertGradient(want, s, "dL/dstrong");
            assertArrayEquals(new float[12], w.getGradient().toFloatArray(), "the labels are stop-gradient");
            assertEquals(0f, ScanLoss.selfLabel(w, s, 0.999f).getFloat(), "no confident sample: nothing to learn");
        }
    }
}
