package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.oxbow.model.nd.LogDet;
import ai.oxbow.model.nd.Scalars;
import ai.oxbow.model.nd.Tensors;
import java.util.List;

/**
 * EMP-SSL (Tong, Chen, Ma and LeCun, 2023, "EMP-SSL: Towards Self-Supervised Learning in One
 * Training Epoch", eq. 2-4 and the official main.py): for n patch embeddings z_1..z_n of each
 * image (l2-normalised, (m, d) per patch for a batch of m images) and their mean z-bar,
 * L = -lambda (1/n) sum_i mean_b cos(z_i,b, z-bar_b) - (1/n) sum_i R(Z_i),
 * R(Z) = 1/2 log det(I_d + d / (m eps) Z^T Z), the total coding rate of each patch's batch.
 * lambda = 200 and eps = 0.2 are the paper's ({@code --patch_sim 200 --eps 0.2}; the code uses
 * eps where the paper writes eps^2). z-bar carries gradient, as in the official code.
 * R is computed as 1/2 log det(I_m + d / (m eps) Z Z^T), equal by Sylvester's determinant
 * identity and m x m instead of d x d.
 */
public final class EmpLoss {
    private EmpLoss() {}

    /**
     * @param z          the n patch projections (m, d), not normalised (normalised here)
     * @param invariance lambda, the weight of the cosine term (paper: 200)
     * @param eps        the coding precision (paper: 0.2)
     */
    public static NDArray of(List<NDArray> z, float invariance, float eps) {
        NDArray stacked = Tensors.l2Normalize(NDArrays.concat(new NDList(z), 0))
                .reshape(
                        z.size(),
                        z.get(0).getShape().get(0),
                        z.get(0).getShape().get(1));
        NDArray mean = stacked.mean(new int[] {0}, true);
        NDArray cosine = stacked.mul(mean)
                .sum(new int[] {2})
                .div(mean.norm(new int[] {2}).clip(1e-8f, Float.POSITIVE_INFINITY));
        return Scalars.mul(cosine.mean(), -invariance)
                .sub(codingRate(stacked, eps).mean());
    }

    /** R(Z_i) for each patch i of a (n, m, d) stack of rows. */
    public static NDArray codingRate(NDArray z, float eps) {
        long m = z.getShape().get(1);
        long d = z.getShape().get(2);
        NDArray gram = Scalars.mul(z.matMul(z.transpose(0, 2, 1)), (float) d / (m * eps))
                .add(z.getManager().eye((int) m).expandDims(0));
        return Scalars.mul(LogDet.of(gram), 0.5f);
    }
}
