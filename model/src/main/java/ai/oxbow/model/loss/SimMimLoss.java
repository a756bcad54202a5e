package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;

/**
 * SimMIM's reconstruction loss (Xie et al., CVPR 2022, "SimMIM: a Simple Framework for Masked
 * Image Modeling", Sec. 3 and the authors' simmim.py): the L1 distance between predicted and
 * raw pixels, summed over the masked pixels and divided by their count (pixel positions) and
 * by the channel count, i.e. {@code (l1 * mask).sum() / (mask.sum() + 1e-5) / in_chans} with
 * the mask upsampled to pixels.
 */
public final class SimMimLoss {
    /** The reference code's guard against an empty mask. */
    static final float EPS = 1e-5f;

    private SimMimLoss() {}

    /**
     * @param prediction (M, P): predicted pixels of M patches, P = patch side^2 x channels values each
     * @param pixels     (M, P): the patches' raw (normalised input) pixels
     * @param masked     (M): 1 for a masked patch, 0 for a visible one
     * @param channels   image channels C (a masked patch covers P / C pixel positions)
     */
    public static NDArray of(NDArray prediction, NDArray pixels, NDArray masked, int channels) {
        long positionsPerPatch = pixels.getShape().get(1) / channels;
        NDArray l1 = prediction.sub(pixels).abs().sum(new int[] {1});
        NDArray maskedPositions = masked.sum().mul(positionsPerPatch).add(EPS);
        return Scalars.div(l1.mul(masked).sum().div(maskedPositions), channels);
    }
}
