package ai.oxbow.model.loss;

import ai.oxbow.model.nd.Scalars;
import ai.djl.ndarray.NDArray;

/**
 * SwAV's swapped prediction (Caron et al., 2020, eq. 1-2): the code of each view is predicted
 * from the prototype scores of the other view,
 * L = 1/2 [l(s_1, q_2) + l(s_2, q_1)], l(s, q) = -mean_i sum_k q_ik log softmax(s_i / t)_k,
 * as {@code swav_loss_func} (solo-learn) and main_swav.py with two crops. Scores are
 * z . c_k for l2-normalised z and prototypes; the codes come from {@link SinkhornKnopp} and
 * carry no gradient.
 */
public final class SwappedPrediction {
    private SwappedPrediction() {}

    public static NDArray loss(NDArray scores1, NDArray scores2, NDArray codes1, NDArray codes2, float temperature) {
        return Scalars.div(SoftCrossEntropy.of(codes2.stopGradient(), Scalars.div(scores1, temperature))
                .add(SoftCrossEntropy.of(codes1.stopGradient(), Scalars.div(scores2, temperature))), 2);
    }
}
