package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;
import java.util.List;

/**
 * BYOL's loss (Grill et al., 2020, "Bootstrap Your Own Latent", eq. 2): the mean squared error
 * between the l2-normalised prediction and the l2-normalised target projection,
 * ||p/||p|| - z/||z||||^2 = 2 - 2 cos(p, z), averaged over the batch, with the target
 * stop-gradient (Sec. 3.1: the target network is not optimised by this loss).
 */
public final class NormalizedMse {
    private NormalizedMse() {}

    /**
     * 2 - 2 mean_i cos(p_i, sg(z_i)) for predictions p and targets z, both (N, D), not
     * normalised; it is 2 + 2 * SimSiam's {@link NegativeCosine}, whose stop-gradient it keeps.
     */
    public static NDArray loss(NDArray p, NDArray z) {
        return Scalars.mul(NegativeCosine.loss(p, z), 2).add(2);
    }

    /**
     * BYOL over several views: twice the mean of {@link #loss}(p_v, z_g) over the
     * {@link ViewPairs#ordered} pairs, targets z_g of the global views, so that two views give
     * the paper's symmetrised L + L~ (Sec. 3.1; solo-learn sums the pairs), in [0, 8].
     */
    public static NDArray loss(List<NDArray> predictions, List<NDArray> targets) {
        return Scalars.mul(
                ViewPairs.mean(
                        ViewPairs.ordered(targets.size(), predictions.size()),
                        (g, v) -> loss(predictions.get(v), targets.get(g))),
                2);
    }
}
