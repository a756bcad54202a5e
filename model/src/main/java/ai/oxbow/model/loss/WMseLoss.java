package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.oxbow.model.nd.Scalars;
import ai.oxbow.model.nd.Tensors;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * W-MSE (Ermolov et al., 2021, "Whitening for Self-Supervised Representation Learning", as
 * the authors' {@code methods/w_mse.py}): each view is whitened per
 * sub-batch (slice), then the loss is the MSE between the l2-normalised whitened views,
 * 2 - 2 mean_i cos(w1_i, w2_i), averaged over pairs of views and {@code w_iter} random slicings. Both views get
 * gradients, through the whitening too (solo-learn's "simplified" variant detaches view 2).
 */
public final class WMseLoss {
    private WMseLoss() {}

    /**
     * @param z             projections (N, D) of each view, row i the same image in all
     * @param globals       global views; the loss averages over the {@link ViewPairs#unordered}
     *                      pairs (all V(V - 1)/2 pairs when every view is global, as the reference)
     * @param permutations  one permutation of 0..N-1 per whitening iteration; slice s of an
     *                      iteration holds rows perm[s N / k .. (s + 1) N / k) of every view
     * @param whiteningSize w_size: k = max(1, N / w_size) slices, so every slice has at least
     *                      min(w_size, N) rows and the slices cover the batch (exactly w_size
     *                      each when w_size divides N, as the reference requires)
     * @param eps           covariance shrinkage of {@link Whitening#whiten}
     * @return 2 - 2 mean cos over rows, pairs and iterations: {@code loss /= w_iter * num_pairs}
     */
    public static NDArray of(List<NDArray> z, int globals, List<int[]> permutations, int whiteningSize, float eps) {
        int n = (int) z.get(0).getShape().get(0);
        int slices = Math.max(1, n / whiteningSize);
        List<int[]> pairs = ViewPairs.unordered(globals, z.size());
        // Whitening commutes with permuting rows: with one slice every iteration gives this value.
        List<int[]> slicings = slices == 1 ? Collections.singletonList(null) : permutations;
        NDArray cosineSum = null;
        for (int[] permutation : slicings) {
            for (int s = 0; s < slices; s++) {
                NDIndex index = permutation == null
                        ? null
                        : new NDIndex(
                                "{}",
                                z.get(0)
                                        .getManager()
                                        .create(Arrays.stream(permutation, s * n / slices, (s + 1) * n / slices)
                                                .asLongStream()
                                                .toArray()));
                NDArray[] white = new NDArray[z.size()];
                for (int v = 0; v < z.size(); v++) {
                    white[v] =
                            Whitening.whiten(index == null ? z.get(v) : z.get(v).get(index), eps);
                }
                for (int[] p : pairs) {
                    NDArray sum = cosines(white[p[0]], white[p[1]]).sum();
                    cosineSum = cosineSum == null ? sum : cosineSum.add(sum);
                }
            }
        }
        return Scalars.mul(cosineSum, -2f / ((long) n * slicings.size() * pairs.size()))
                .add(2);
    }

    private static NDArray cosines(NDArray a, NDArray b) {
        return Tensors.l2Normalize(a).mul(Tensors.l2Normalize(b)).sum(new int[] {1});
    }
}
