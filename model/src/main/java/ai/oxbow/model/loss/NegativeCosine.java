package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Tensors;
import java.util.List;

/**
 * The negative cosine similarity of SimSiam (Chen and He, 2021, "Exploring Simple Siamese
 * Representation Learning", eq. 1 with the stop-gradient of eq. 3 and Alg. 1):
 * D(p, sg(z)) = -mean_i (p_i / ||p_i||) . (z_i / ||z_i||).
 */
public final class NegativeCosine {
    private NegativeCosine() {}

    /**
     * D(p, sg(z)) for predictions p and targets z, both (N, D) and not normalised. The target
     * is detached here, because the stop-gradient is part of the loss: without it SimSiam
     * collapses (Sec. 4.1).
     */
    public static NDArray loss(NDArray p, NDArray z) {
        return Tensors.l2Normalize(p)
                .mul(Tensors.l2Normalize(z.stopGradient()))
                .sum(new int[] {1})
                .mean()
                .neg();
    }

    /**
     * SimSiam over several views: the mean of D(p_v, sg(z_g)) over the {@link ViewPairs#ordered}
     * pairs, targets z_g of the global views. For two views it is eq. 4,
     * D(p_1, sg(z_2)) / 2 + D(p_2, sg(z_1)) / 2.
     */
    public static NDArray loss(List<NDArray> predictions, List<NDArray> targets) {
        return ViewPairs.mean(
                ViewPairs.ordered(targets.size(), predictions.size()),
                (g, v) -> loss(predictions.get(v), targets.get(g)));
    }
}
