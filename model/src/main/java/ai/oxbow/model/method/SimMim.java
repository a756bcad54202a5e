package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.oxbow.model.encoder.VitTiny;
import ai.oxbow.model.head.MaskTokenHead;
import ai.oxbow.model.loss.SimMimLoss;
import ai.oxbow.model.nn.Network;
import java.util.List;

/**
 * SimMIM (Xie, Zhang, Cao, Lin, Bao, Yao, Dai and Hu, CVPR 2022, "SimMIM: a Simple Framework for
 * Masked Image Modeling"): random patches of each image are replaced by a learnable mask token
 * (plus their position embedding) in the encoder's input, every token goes through the encoder,
 * and one linear layer predicts the raw pixels of each patch; the loss is the L1 distance on the
 * masked pixels ({@link SimMimLoss}). The paper's best ViT setting masks 60 % of a 7 x 7 grid of
 * 32-pixel squares of a 224 image (Table 1); a 28-pixel image cut into 4-pixel patches is the
 * same 7 x 7 grid, so a masked square is one patch. Optimiser as the paper's ViT-B pre-training:
 * AdamW (0.9, 0.999), weight decay 0.05, base learning rate 8e-4 per 2048 images (1e-4 per 256),
 * warm-up then cosine; crops of scale 0.67 to 1.
 */
public final class SimMim extends MaskedImageModel {

    public record Params(float maskRatio) {
        public static Params from(MethodOptions o) {
            return new Params(o.getFloat("mask_ratio", 0.6f));
        }
    }

    private final Params params;
    private final Network head;

    public SimMim(MethodSetup setup) {
        super("simmim", setup);
        this.params = Params.from(setup.options());
        checkMaskRatio(params.maskRatio);
        this.head = setup.head(
                "head", new MaskTokenHead(VitTiny.DIM, VitTiny.PATCH * VitTiny.PATCH * setup.channels()), VitTiny.DIM);
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, head);
    }

    /** SimMIM masks ceil(L ratio) patches (its MaskGenerator). */
    @Override
    protected int maskedCount(int patches) {
        return Math.min(patches - 1, (int) Math.ceil(patches * params.maskRatio));
    }

    @Override
    protected Reconstruction reconstruct(NDArray images, Masks masks) {
        ParameterStore store = backbone.store();
        NDArray tokens = vit.patchTokens(store, images, true);
        NDArray w = masks.masked().expandDims(2);
        NDArray maskTokens = ((MaskTokenHead) head.block())
                .token(head.store(), tokens.getDevice())
                .add(vit.positions(store, masks.grid(), masks.grid(), true));
        NDArray mixed = tokens.mul(w.neg().add(1)).add(maskTokens.mul(w));
        NDArray encoded = vit.encode(store, vit.withCls(store, mixed, true), true);
        NDArray prediction = head.forward(encoded.get(new NDIndex(":, 1:")), true);
        return new Reconstruction(
                SimMimLoss.of(perPatch(prediction), perPatch(patchify(images)), perPatch(masks.masked()), (int)
                        images.getShape().get(1)),
                encoded.get(new NDIndex(":, 0")));
    }
}
