package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;
import java.util.List;

/**
 * Barlow Twins (Zbontar et al., 2021, "Barlow Twins: Self-Supervised Learning via Redundancy
 * Reduction", eq. 1-2): C = bn(z1)^T bn(z2) / N is the cross-correlation of the projections
 * standardised over the batch, and
 * L = scale * (sum_i (1 - C_ii)^2 + lambda * sum_{i != j} C_ij^2).
 * bn is BatchNorm1d(affine=False) in training mode as in the authors' code: mean 0 and biased
 * variance 1 per dimension, with BatchNorm's eps = 1e-5. The scale is solo-learn's scale_loss
 * (the authors' first release had 1/32; the paper's equation has none, i.e. 1).
 */
public final class BarlowTwinsLoss {
    /** torch.nn.BatchNorm1d's default eps. */
    static final float BATCH_NORM_EPS = 1e-5f;

    private BarlowTwinsLoss() {}

    /**
     * Barlow Twins over several views: the mean of the pair loss over the
     * {@link ViewPairs#unordered} pairs (C(b, a) = C(a, b)^T has the same loss, so each pair
     * counts once); each view is standardised once.
     */
    public static NDArray of(List<NDArray> z, int globals, float lambda, float scale) {
        long n = z.get(0).getShape().get(0);
        int d = (int) z.get(0).getShape().get(1);
        NDArray eye = z.get(0).getManager().eye(d);
        NDArray weights = eye.add(eye.neg().add(1).mul(lambda));
        NDArray[] standardised = new NDArray[z.size()];
        for (int v = 0; v < z.size(); v++) {
            standardised[v] = standardise(z.get(v));
        }
        return ViewPairs.mean(ViewPairs.unordered(globals, z.size()), (a, b) -> {
            NDArray c = Scalars.div(standardised[a].transpose().matMul(standardised[b]), n);
            return Scalars.mul(c.sub(eye).square().mul(weights).sum(), scale);
        });
    }

    /** Each column to mean 0 and (biased) variance 1 over the batch, as BatchNorm1d(affine=False). */
    static NDArray standardise(NDArray z) {
        NDArray centred = z.sub(z.mean(new int[] {0}, true));
        return centred.div(
                centred.square().mean(new int[] {0}, true).add(BATCH_NORM_EPS).sqrt());
    }
}
