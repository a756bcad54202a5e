package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.oxbow.model.nd.Scalars;
import ai.oxbow.model.nd.Tensors;

import java.util.Arrays;
import java.util.List;

/**
 * W-MSE (Ermolov et al., 2021, "Whitening for Self-Supervised Representation Learning", as
 * the authors' {@code methods/w_mse.py}): each view is whitened per
 * sub-batch (slice), then the loss is the MSE between the l2-normalised whitened views,
 * 2 - 2 mean_i cos(w1_i, w2_i), averaged over {@code w_iter} random slicings. Both views get
 * gradients, through the whitening too (solo-learn's "simplified" variant detaches view 2).
 */
public final class WMseLoss {
    private WMseLoss() {}

    /**
     * @param z1            projections (N, D) of view 1
     * @param z2            projections (N, D) of view 2, row i the same image as in z1
     * @param permutations  one permutation of 0..N-1 per whitening iteration; slice s of an
     *                      iteration holds rows perm[s N / k .. (s + 1) N / k) of both views
     * @param whiteningSize w_size: k = max(1, N / w_size) slices, so every slice has at least
     *                      min(w_size, N) rows and the slices cover the batch (exactly w_size
     *                      each when w_size divides N, as the reference requires)
     * @param eps           covariance shrinkage of {@link Whitening#whiten}
     */
    public static NDArray of(NDArray z1, NDArray z2, List<int[]> permutations, int whiteningSize, float eps) {
        int n = (int) z1.getShape().get(0);
        int slices = Math.max(1, n / whiteningSize);
        if (slices == 1) {
            // Whitening commutes with permuting rows: every iteration would give this value.
            return normalisedMse(Whitening.whiten(z1, eps), Whitening.whiten(z2, eps));
        }
        NDArray cosineSum = null;
        for (int[] permutation : permutations) {
            for (int s = 0; s < slices; s++) {
                long[] rows = Arrays.stream(permutation, s * n / slices, (s + 1) * n / slices)
                        .asLongStream().toArray();
                NDIndex index = new NDIndex("{}", z1.getManager().create(rows));
                NDArray cosines = cosines(Whitening.whiten(z1.get(index), eps), Whitening.whiten(z2.get(index), eps));
                cosineSum = cosineSum == null ? cosines.sum() : cosineSum.add(cosines.sum());
            }
        }
        return Scalars.mul(cosineSum, -2f / (n * permutations.size())).add(2);
    }

    /** The reference's norm_mse_loss: 2 - 2 mean_i cos(a_i, b_i). */
    public static NDArray normalisedMse(NDArray a, NDArray b) {
        return Scalars.mul(cosines(a, b).mean(), -2).add(2);
    }

    private static NDArray cosines(NDArray a, NDArray b) {
        return Tensors.l2Normalize(a).mul(Tensors.l2Normalize(b)).sum(new int[] {1});
    }
}
