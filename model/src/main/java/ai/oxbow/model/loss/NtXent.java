package ai.oxbow.model.loss;

import ai.oxbow.model.nd.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.nd.Tensors;

/**
 * NT-Xent, the normalised temperature-scaled cross entropy of SimCLR (Chen et al., 2020, "A
 * Simple Framework for Contrastive Learning of Visual Representations", eq. 1 and Alg. 1).
 */
public final class NtXent {
    /** Subtracted from each self-similarity logit: exp(-1e9) is exactly 0 in float, and stays finite. */
    private static final float EXCLUDED = 1e9f;

    private NtXent() {}

    /**
     * Loss over the 2N views z = [z1; z2] (each (N, D), not normalised): with s_ij = cos(z_i,
     * z_j) / t, l_i = -log(exp(s_ip) / sum_{k != i} exp(s_ik)), where p is the other view of
     * the same image, so the 2N - 2 views of other images are the negatives and a view is never
     * compared with itself; the loss is the mean of l_i over all 2N views, symmetric in z1, z2.
     */
    public static NDArray loss(NDArray z1, NDArray z2, float temperature) {
        long n = z1.getShape().get(0);
        NDArray z = Tensors.l2Normalize(z1.concat(z2, 0));
        NDManager m = z.getManager();
        NDArray self = m.eye((int) (2 * n));
        NDArray logits = Scalars.div(z.matMul(z.transpose()), temperature).sub(self.mul(EXCLUDED));
        NDArray eye = m.eye((int) n);
        NDArray zero = m.zeros(new Shape(n, n));
        NDArray otherView = zero.concat(eye, 1).concat(eye.concat(zero, 1), 0);
        return logits.logSoftmax(1).mul(otherView).sum(new int[] {1}).neg().mean();
    }
}
