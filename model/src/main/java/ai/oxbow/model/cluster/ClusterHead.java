package ai.oxbow.model.cluster;

import ai.oxbow.model.state.Tensor;
import java.util.List;

/**
 * A published clustering head: logits = W f + b on an encoder feature f, the cluster the argmax
 * of softmax(logits) and its probability. Plain Java, so that embedders, `search` and the probes
 * assign clusters without the engine. Its tensors travel in the encoder snapshot under
 * {@link #PREFIX}.
 *
 * @param weight (clusters, dim) row-major, as DJL's Linear stores it
 */
public record ClusterHead(int clusters, int dim, float[] weight, float[] bias) {
    public static final String PREFIX = "cluster_head/";

    /** Each row's cluster and that cluster's probability. */
    public record Assignments(int[] clusters, float[] probabilities) {}

    /** The head among a snapshot's tensors ({@code PREFIX}weight, {@code PREFIX}bias), or null if it has none. */
    public static ClusterHead of(List<Tensor> tensors) {
        Tensor w = null;
        Tensor b = null;
        for (Tensor t : tensors) {
            if (t.name().equals(PREFIX + "weight")) {
                w = t;
            } else if (t.name().equals(PREFIX + "bias")) {
                b = t;
            }
        }
        if (w == null || b == null) {
            return null;
        }
        if (w.shape().length != 2 || b.data().length != w.shape()[0]) {
            throw new IllegalArgumentException("a cluster head needs a (K, D) weight and K biases, got "
                    + java.util.Arrays.toString(w.shape()) + " and " + b.data().length);
        }
        return new ClusterHead((int) w.shape()[0], (int) w.shape()[1], w.data(), b.data());
    }

    /** Clusters of n features (n x dim, row-major). */
    public Assignments assign(float[] features, int n) {
        int[] ids = new int[n];
        float[] probabilities = new float[n];
        double[] logits = new double[clusters];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int k = 0; k < clusters; k++) {
                double z = bias[k];
                for (int d = 0; d < dim; d++) {
                    z += (double) weight[k * dim + d] * features[i * dim + d];
                }
                logits[k] = z;
                if (z > max) {
                    max = z;
                    best = k;
                }
            }
            double sum = 0;
            for (int k = 0; k < clusters; k++) {
                sum += Math.exp(logits[k] - max);
            }
            ids[i] = best;
            probabilities[i] = (float) (1 / sum);
        }
        return new Assignments(ids, probabilities);
    }
}
