package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;

/**
 * SwAV's online codes (Caron et al., 2020, "Unsupervised Learning of Visual Features by
 * Contrasting Cluster Assignments", Sec. 3.1, eq. 3): the entropy-regularised transport plan
 * Q = Diag(u) exp(C^T Z / eps) Diag(v) with equal prototype marginals, approximated by a few
 * Sinkhorn-Knopp iterations. Follows {@code distributed_sinkhorn} of the official code
 * (facebookresearch/swav, main_swav.py) on one process: Q = exp(scores / eps)^T (K x B), divided
 * by its total, then alternately each prototype row rescaled to 1/K and each sample column to
 * 1/B, and finally multiplied by B. The last step is a column normalisation, so each sample's
 * code sums to exactly 1; each prototype receives B/K in total only approximately (exactly in
 * the limit of many iterations). No gradient flows through the codes.
 */
public final class SinkhornKnopp {
    private SinkhornKnopp() {}

    /**
     * @param scores     (B, K) similarities of B samples (batch, after any queue rows) to K prototypes
     * @param epsilon    entropy regularisation (paper: 0.05)
     * @param iterations row/column rescalings (paper: 3)
     * @return (B, K) soft codes, each row summing to 1; detached
     */
    public static NDArray codes(NDArray scores, float epsilon, int iterations) {
        NDArray q = scores.stopGradient().div(epsilon).exp().transpose();
        long prototypes = q.getShape().get(0);
        long samples = q.getShape().get(1);
        q = q.div(q.sum());
        for (int it = 0; it < iterations; it++) {
            q = q.div(q.sum(new int[] {1}, true)).div(prototypes);
            q = q.div(q.sum(new int[] {0}, true)).div(samples);
        }
        return q.mul(samples).transpose();
    }
}
