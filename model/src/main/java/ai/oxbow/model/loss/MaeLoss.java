package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;

/**
 * MAE's reconstruction loss (He et al., CVPR 2022, "Masked Autoencoders Are Scalable Vision
 * Learners", Sec. 3 and the authors' models_mae.py {@code forward_loss}): the mean squared error
 * between the decoder's prediction and the pixels of each patch, normalised per patch (the
 * paper's "normalized pixels" target, its default), averaged over the masked patches only.
 */
public final class MaeLoss {
    /** The reference code's epsilon in (x - mean) / sqrt(var + eps). */
    static final float NORM_EPS = 1e-6f;

    private MaeLoss() {}

    /**
     * @param prediction (M, P): the decoder's pixels for M patches of P values (all images' patches, flattened)
     * @param pixels     (M, P): the patches' pixels (no gradient needed: it is the input)
     * @param masked     (M): 1 for a masked patch, 0 for a visible one
     * @param normalize  normalise each target patch by its mean and unbiased variance (torch.var's default)
     */
    public static NDArray of(NDArray prediction, NDArray pixels, NDArray masked, boolean normalize) {
        NDArray target = normalize ? normalized(pixels) : pixels;
        NDArray perPatch = prediction.sub(target).square().mean(new int[] {1});
        return perPatch.mul(masked).sum().div(masked.sum());
    }

    /** (x - mean) / sqrt(var + 1e-6) per row, the variance unbiased (P - 1). */
    static NDArray normalized(NDArray pixels) {
        long p = pixels.getShape().get(1);
        NDArray centred = pixels.sub(pixels.mean(new int[] {1}, true));
        NDArray variance = Scalars.div(centred.square().sum(new int[] {1}, true), p - 1);
        return centred.div(variance.add(NORM_EPS).sqrt());
    }
}
