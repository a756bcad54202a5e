package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.oxbow.model.encoder.VitTiny;
import ai.oxbow.model.head.MaeDecoder;
import ai.oxbow.model.loss.MaeLoss;
import ai.oxbow.model.nn.Network;
import java.util.List;

/**
 * MAE (He, Chen, Xie, Li, Dollár and Girshick, CVPR 2022, "Masked Autoencoders Are Scalable
 * Vision Learners"): each image loses a random 75 % of its patches; the encoder sees the visible
 * patches only (no mask tokens), a lightweight {@link MaeDecoder} reconstructs every patch from
 * them and mask tokens, and the loss is the MSE on the per-patch-normalised pixels of the masked
 * patches ({@link MaeLoss}). The published embedding is the encoder's CLS token on the whole image.
 * Optimiser as the paper's pre-training (Table 8): AdamW with beta2 0.95, weight decay 0.05, base
 * learning rate 1.5e-4 per 256 images, warm-up then cosine ({@link Methods#defaults}).
 */
public final class Mae extends MaskedImageModel {

    /**
     * The paper's mask ratio (0.75) and normalised-pixel target; its decoder is 8 blocks of 512
     * (16 heads) for ViT-L: for a 192-wide ViT-Tiny on 2 CPU cores it is 2 blocks of 128 (4 heads),
     * in the paper's range (Table 1: one block already works; the decoder is under 10 % of the
     * encoder's compute). {@code beta2} is AdamW's.
     */
    public record Params(
            float maskRatio,
            int decoderWidth,
            int decoderDepth,
            int decoderHeads,
            boolean normalizePixels,
            float beta2) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("mask_ratio", 0.75f),
                    o.getInt("decoder_width", 128),
                    o.getInt("decoder_depth", 2),
                    o.getInt("decoder_heads", 4),
                    o.getInt("norm_pix_loss", 1) != 0,
                    o.getFloat("beta2", 0.95f));
        }
    }

    private final Params params;
    private final Network decoder;

    public Mae(MethodSetup setup) {
        super("mae", setup);
        this.params = Params.from(setup.options());
        checkMaskRatio(params.maskRatio);
        int grid = setup.size() / VitTiny.PATCH;
        int visible = visible(grid * grid);
        this.decoder = new Network(
                "decoder",
                new MaeDecoder(
                        params.decoderWidth,
                        params.decoderDepth,
                        params.decoderHeads,
                        VitTiny.PATCH * VitTiny.PATCH * setup.channels()),
                setup.manager(),
                new Shape(2, 1 + visible, VitTiny.DIM));
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, decoder);
    }

    @Override
    public float adamBeta2() {
        return params.beta2;
    }

    /** MAE keeps int(L (1 - ratio)) patches (models_mae.py {@code random_masking}). */
    private int visible(int patches) {
        return Math.max(1, (int) (patches * (1 - params.maskRatio)));
    }

    @Override
    protected int maskedCount(int patches) {
        return patches - visible(patches);
    }

    @Override
    protected Reconstruction reconstruct(NDArray images, Masks masks) {
        ParameterStore store = backbone.store();
        NDArray visible = rows(vit.patchTokens(store, images, true), masks.keep());
        NDArray encoded = vit.encode(store, vit.withCls(store, visible, true), true);
        NDArray prediction = decoder.forward(new NDList(encoded, masks.restore()), true);
        return new Reconstruction(
                MaeLoss.of(
                        perPatch(prediction),
                        perPatch(patchify(images)),
                        perPatch(masks.masked()),
                        params.normalizePixels),
                encoded.get(new NDIndex(":, 0")));
    }
}
