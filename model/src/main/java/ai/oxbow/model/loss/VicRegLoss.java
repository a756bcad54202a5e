package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.oxbow.model.nd.Scalars;
import java.util.List;

/**
 * VICReg (Bardes et al., 2022, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning", Sec. 3.2 and Alg. 1):
 * L = lambda s(Z, Z') + mu [v(Z) + v(Z')] + nu [c(Z) + c(Z')], with the paper's weights
 * 25 / 25 / 1. The variance and covariance terms are summed over the two branches as in the
 * paper and solo-learn (the authors' repository halves the variance sum).
 */
public final class VicRegLoss {
    /** epsilon in the regularised standard deviation S(x, eps) = sqrt(Var(x) + eps). */
    static final float VARIANCE_EPS = 1e-4f;

    private VicRegLoss() {}

    /**
     * VICReg over several views: the mean of the pair loss L(Z_a, Z_b) above over the
     * {@link ViewPairs#unordered} pairs (every pair of views when all are global). Each view's
     * variance and covariance terms are computed once and enter every pair it belongs to.
     */
    public static NDArray of(
            List<NDArray> z, int globals, float invarianceWeight, float varianceWeight, float covarianceWeight) {
        NDArray[] regularisers = new NDArray[z.size()];
        return ViewPairs.mean(
                ViewPairs.unordered(globals, z.size()),
                (a, b) -> Scalars.mul(invariance(z.get(a), z.get(b)), invarianceWeight)
                        .add(regulariser(z, a, regularisers, varianceWeight, covarianceWeight))
                        .add(regulariser(z, b, regularisers, varianceWeight, covarianceWeight)));
    }

    /** mu v(Z) + nu c(Z) of one view, computed on first use. */
    private static NDArray regulariser(
            List<NDArray> z, int view, NDArray[] cache, float varianceWeight, float covarianceWeight) {
        if (cache[view] == null) {
            cache[view] = Scalars.mul(variance(z.get(view)), varianceWeight)
                    .add(Scalars.mul(covariance(z.get(view)), covarianceWeight));
        }
        return cache[view];
    }

    /**
     * Invariance s(Z, Z'): the mean over the N x D entries of (z - z')^2, F.mse_loss as in
     * Alg. 1 and both reference codes (the weights were tuned with it; the text's formula sums
     * over dimensions, D times larger).
     */
    public static NDArray invariance(NDArray z1, NDArray z2) {
        return z1.sub(z2).square().mean();
    }

    /** Variance v(Z): mean over dimensions of max(0, 1 - sqrt(Var + eps)), Var unbiased (N - 1). */
    public static NDArray variance(NDArray z) {
        NDArray var =
                Scalars.div(centred(z).square().sum(new int[] {0}), z.getShape().get(0) - 1);
        return Activation.relu(var.add(VARIANCE_EPS).sqrt().neg().add(1)).mean();
    }

    /** Covariance c(Z): sum of squared off-diagonal entries of C = Z_c^T Z_c / (N - 1), over D. */
    public static NDArray covariance(NDArray z) {
        long n = z.getShape().get(0);
        int d = (int) z.getShape().get(1);
        NDArray zc = centred(z);
        NDArray c = Scalars.div(zc.transpose().matMul(zc), n - 1);
        NDArray offDiagonal = z.getManager().eye(d).neg().add(1);
        return Scalars.div(c.mul(offDiagonal).square().sum(), d);
    }

    private static NDArray centred(NDArray z) {
        return z.sub(z.mean(new int[] {0}, true));
    }
}
