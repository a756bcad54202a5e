package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Cholesky;
import ai.oxbow.model.nd.Scalars;

/**
 * Cholesky whitening of W-MSE (Ermolov et al., 2021, "Whitening for Self-Supervised
 * Representation Learning"), as the authors' {@code Whitening2d}: centre the rows,
 * Sigma = X_c^T X_c / (m - 1), shrink it to (1 - eps) Sigma + eps I, factor it as L L^T and
 * return X_c W^T with W = L^-1, whose sample covariance is the identity. Gradients flow
 * through the mean, the covariance and W, as in the reference.
 */
public final class Whitening {
    private Whitening() {}

    /** Whitens the m rows of x (m, D); needs m > D unless eps > 0 (Sigma has rank m - 1). */
    public static NDArray whiten(NDArray x, float eps) {
        long m = x.getShape().get(0);
        int d = (int) x.getShape().get(1);
        NDArray centred = x.sub(x.mean(new int[] {0}, true));
        NDArray covariance = Scalars.div(centred.transpose().matMul(centred), m - 1);
        NDArray shrunk =
                Scalars.mul(covariance, 1 - eps).add(x.getManager().eye(d).mul(eps));
        NDArray w = Cholesky.lower(shrunk).inverse();
        return centred.matMul(w.transpose());
    }
}
