package ai.oxbow.model.eval;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Tensors;

/**
 * The collapse indicator of the SSL literature (as logged by solo-learn, after the analysis of
 * SimSiam, Chen and He 2021, Sec. 4.1): the mean over dimensions of the per-dimension standard
 * deviation (over the batch) of l2-normalised projections. About 1/sqrt(d) for spread-out
 * features, 0 when every image maps to the same point.
 */
public final class Collapse {
    private Collapse() {}

    public static float std(NDArray projections) {
        NDArray z = Tensors.l2Normalize(projections);
        long n = z.getShape().get(0);
        NDArray centred = z.sub(z.mean(new int[] {0}, true));
        // Unbiased variance, as torch.std.
        return centred.square()
                .sum(new int[] {0})
                .div(Math.max(1, n - 1))
                .sqrt()
                .mean()
                .getFloat();
    }
}
