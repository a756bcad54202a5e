package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;
import java.util.List;

/**
 * SwAV's swapped prediction (Caron et al., 2020, eq. 1-2, and multi-crop, Sec. 3.2): the code
 * of each global view is predicted from the prototype scores of every other view,
 * L = mean over the {@link ViewPairs#ordered} pairs (g, v) of l(s_v, q_g),
 * l(s, q) = -mean_i sum_k q_ik log softmax(s_i / t)_k, as main_swav.py (each code's sub-loss
 * averaged over the other crops, then over {@code crops_for_assign}) and {@code swav_loss_func}
 * (solo-learn). For two views it is 1/2 [l(s_1, q_2) + l(s_2, q_1)]. Scores are z . c_k for
 * l2-normalised z and prototypes; the codes come from {@link SinkhornKnopp} and carry no gradient.
 */
public final class SwappedPrediction {
    private SwappedPrediction() {}

    /**
     * @param scores prototype scores (N, K) of every view
     * @param codes  Sinkhorn codes (N, K) of the global views, in order
     */
    public static NDArray loss(List<NDArray> scores, List<NDArray> codes, float temperature) {
        return ViewPairs.mean(
                ViewPairs.ordered(codes.size(), scores.size()),
                (g, v) -> SoftCrossEntropy.of(codes.get(g).stopGradient(), Scalars.div(scores.get(v), temperature)));
    }
}
