package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.oxbow.model.nd.Scalars;
import ai.oxbow.model.nd.Tensors;
import java.util.List;

/**
 * NT-Xent, the normalised temperature-scaled cross entropy of SimCLR (Chen et al., 2020, "A
 * Simple Framework for Contrastive Learning of Visual Representations", eq. 1 and Alg. 1), with
 * every view of an image as a positive when there are more than two: the self-supervised case
 * of SupCon (Khosla et al., 2020, "Supervised Contrastive Learning", eq. 2, L_out, where the
 * image is its own class).
 */
public final class NtXent {
    /** Subtracted from each self-similarity logit: exp(-1e9) is exactly 0 in float, and stays finite. */
    private static final float EXCLUDED = 1e9f;

    private NtXent() {}

    /**
     * Loss over the VN views z = [z_0; ...; z_{V-1}] (each (N, D), not normalised): with s_ij =
     * cos(z_i, z_j) / t and P(i) the other V - 1 views of i's image,
     * l_i = -1/(V - 1) sum_{p in P(i)} log(exp(s_ip) / sum_{k != i} exp(s_ik)),
     * so the views of other images are the negatives and a view is never compared with itself;
     * the loss is the mean of l_i over all VN views. For V = 2 it is SimCLR's NT-Xent.
     */
    public static NDArray loss(List<NDArray> views, float temperature) {
        int v = views.size();
        long n = views.get(0).getShape().get(0);
        NDArray z = Tensors.l2Normalize(NDArrays.concat(new NDList(views), 0));
        NDManager m = z.getManager();
        NDArray self = m.eye((int) (v * n));
        NDArray logits = Scalars.div(z.matMul(z.transpose()), temperature).sub(self.mul(EXCLUDED));
        NDArray positives = Scalars.div(m.eye((int) n).tile(new long[] {v, v}).sub(self), v - 1);
        return logits.logSoftmax(1).mul(positives).sum(new int[] {1}).neg().mean();
    }
}
