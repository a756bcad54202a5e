package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;

/**
 * SCAN's clustering losses (Van Gansbeke et al., ECCV 2020, "SCAN: Learning to Classify Images
 * without Labels", eq. 2 and Sec. 2.3, and the authors' losses.py).
 */
public final class ScanLoss {
    /** The reference code's floor under probabilities before a log. */
    static final float EPS = 1e-8f;
    /** The paper's entropy weight lambda (configs: entropy_weight 5.0). */
    public static final float ENTROPY_WEIGHT = 5f;
    /** Self-labelling keeps samples whose top probability exceeds this (configs: 0.99). */
    public static final float CONFIDENCE = 0.99f;

    private ScanLoss() {}

    /**
     * Eq. 2: L = -(1/B) sum_i log <p(x_i), p(n_i)> - lambda H(mean_i p(x_i)), with p the softmax
     * of the clustering head, n_i a mined neighbour of x_i and H the entropy of the mean cluster
     * assignment (it spreads samples over clusters). Both sides get gradient, as in SCAN's
     * training loop (the neighbours are forwarded through the model too).
     *
     * @param anchors   (B, K) clustering logits of the samples
     * @param neighbors (B, K) clustering logits of one neighbour of each
     */
    public static NDArray of(NDArray anchors, NDArray neighbors, float entropyWeight) {
        NDArray pa = anchors.softmax(1);
        NDArray pn = neighbors.softmax(1);
        NDArray consistency =
                Scalars.maximum(pa.mul(pn).sum(new int[] {1}), EPS).log().mean().neg();
        return consistency.sub(Scalars.mul(entropy(pa.mean(new int[] {0})), entropyWeight));
    }

    /** H(p) = -sum_k p_k log p_k, p_k floored at EPS inside the log. */
    static NDArray entropy(NDArray p) {
        return p.mul(Scalars.maximum(p, EPS).log()).sum().neg();
    }

    /**
     * Self-labelling (Sec. 2.3, ConfidenceBasedCE): the weakly augmented view's confident
     * predictions (top probability above {@code threshold}) become labels for the strongly
     * augmented view, cross-entropy weighted by the inverse frequency of each label among the
     * confident samples and averaged as torch's weighted cross-entropy does (divided by the sum of
     * the targets' weights). No gradient through the labels. Zero when no sample is confident.
     *
     * @param weak   (B, K) logits of the weakly augmented images (targets)
     * @param strong (B, K) logits of the strongly augmented images (trained)
     */
    public static NDArray selfLabel(NDArray weak, NDArray strong, float threshold) {
        NDArray probabilities = weak.stopGradient().softmax(1);
        NDArray confident = probabilities.max(new int[] {1}).gt(threshold).toType(strong.getDataType(), false);
        NDArray labels = probabilities.argMax(1);
        long k = strong.getShape().get(1);
        NDArray oneHot =
                labels.oneHot((int) k).toType(strong.getDataType(), false).mul(confident.expandDims(1));
        NDArray counts = oneHot.sum(new int[] {0});
        float n = confident.sum().getFloat();
        if (n == 0) {
            return Scalars.mul(strong.sum(), 0);
        }
        // weight_k = n / count_k for labels that occur (1 for the rest, which carry no sample); no
        // gradient flows through the counts, so plain numbers are safe here.
        NDArray weights = counts.gt(0)
                .toType(strong.getDataType(), false)
                .mul(counts.maximum(1).pow(-1).mul(n))
                .add(counts.eq(0).toType(strong.getDataType(), false));
        NDArray sampleWeights = oneHot.mul(weights).sum(new int[] {1});
        NDArray logProbabilities = strong.logSoftmax(1);
        NDArray nll = oneHot.mul(logProbabilities).sum(new int[] {1}).neg();
        return nll.mul(sampleWeights).sum().div(sampleWeights.sum());
    }
}
