package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.encoder.VitTiny;
import ai.oxbow.model.nd.Scalars;
import ai.oxbow.model.state.StateVisitor;
import java.util.SplittableRandom;

/**
 * What the masked-image-modelling methods share (MAE, SimMIM): a ViT backbone run in parts,
 * random patch masks drawn per image, the pixel targets of each patch, and one loss per view
 * averaged over the views. No augmentation beyond crop and flip is needed (the {@code mim}
 * recipe), no target network, no buffer.
 *
 * <p>Masks are drawn on the Java side from (mask seed, step, view); the mask seed is the first
 * trainer's seed and is state, so a restored trainer draws the masks the one that wrote the
 * checkpoint would have drawn (whatever its own seed), and the draw does not touch the engine's
 * generator.
 */
abstract class MaskedImageModel extends SslMethod {
    private long maskSeed;
    protected final VitTiny vit;

    protected MaskedImageModel(String name, MethodSetup setup) {
        super(name, setup, ViewForward.EACH);
        if (!(backbone.block() instanceof VitTiny v)) {
            throw new IllegalArgumentException(name
                    + " masks patches of a vision transformer: it needs --encoder vit-tiny, not " + setup.encoder());
        }
        this.vit = v;
        this.maskSeed = setup.seed();
    }

    @Override
    public final int minViews() {
        return 1;
    }

    /** Each view is masked on its own; the loss is the mean of the views' (one view: the paper's). */
    @Override
    public final NDArray loss(Views views, long step) {
        NDArray total = null;
        for (int v = 0; v < views.count(); v++) {
            Reconstruction r = reconstruct(views.get(v), masks(views.get(v), step, v));
            if (v == 0) {
                keepProjection(r.cls());
            }
            total = total == null ? r.loss() : total.add(r.loss());
        }
        // A mean over this rank's images: weighted by its share, the ranks' gradients sum to the global mean's.
        float share = parallel() == null ? 1f : parallel().share();
        return Scalars.div(share == 1f ? total : total.mul(share), views.count());
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        maskSeed = state.scalar("mim/mask_seed", maskSeed);
    }

    /** One view's loss, and the encoder's CLS output on the masked input (the collapse indicator reads it). */
    protected record Reconstruction(NDArray loss, NDArray cls) {}

    /** The loss of one view's images (N, C, H, W) with its masks. */
    protected abstract Reconstruction reconstruct(NDArray images, Masks masks);

    protected static void checkMaskRatio(float ratio) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("method option mask_ratio must be in (0, 1), not " + ratio);
        }
    }

    /** How many of n patches are masked: MAE keeps int(n (1 - r)), SimMIM masks ceil(n r). */
    protected abstract int maskedCount(int patches);

    /**
     * One view's masks: for each image, which of its L patches are masked, and the order that puts
     * the visible patches (ascending) first and the masked ones (ascending) after.
     *
     * @param masked   (N, L) float, 1 for a masked patch
     * @param keep     (N, K) int64, the visible patches' indices
     * @param restore  (N, L) int64, patch j's place in [visible..., masked...]
     */
    protected record Masks(NDArray masked, NDArray keep, NDArray restore, int grid) {}

    Masks masks(NDArray images, long step, int view) {
        int grid = (int) (images.getShape().get(2) / VitTiny.PATCH);
        int n = Math.toIntExact(images.getShape().get(0));
        int patches = grid * grid;
        int hidden = maskedCount(patches);
        int visible = patches - hidden;
        float[] masked = new float[n * patches];
        long[] keep = new long[n * visible];
        long[] restore = new long[n * patches];
        SplittableRandom random = new SplittableRandom(maskSeed * 0x9E3779B97F4A7C15L + step * 1_000_003L + view);
        int[] order = new int[patches];
        // A rank of a data-parallel group draws the masks of its own rows of the global batch.
        int skipped = parallel() == null ? 0 : parallel().rowOffset();
        for (int i = -skipped; i < n; i++) {
            for (int j = 0; j < patches; j++) {
                order[j] = j;
            }
            // The first `hidden` of a uniform permutation are masked (as np.random.permutation[:count]).
            for (int j = patches - 1; j > 0; j--) {
                int k = random.nextInt(j + 1);
                int t = order[j];
                order[j] = order[k];
                order[k] = t;
            }
            if (i < 0) {
                continue;
            }
            for (int j = 0; j < hidden; j++) {
                masked[i * patches + order[j]] = 1;
            }
            int v = 0;
            int m = visible;
            for (int j = 0; j < patches; j++) {
                if (masked[i * patches + j] == 0) {
                    keep[i * visible + v] = j;
                    restore[i * patches + j] = v++;
                } else {
                    restore[i * patches + j] = m++;
                }
            }
        }
        NDManager nd = images.getManager();
        return new Masks(
                nd.create(masked, new Shape(n, patches)),
                nd.create(keep, new Shape(n, visible)),
                nd.create(restore, new Shape(n, patches)),
                grid);
    }

    /**
     * The pixels of each patch, (N, L, p * p * C) in row-major patch order, each patch's values
     * ordered (row, column, channel) as MAE's {@code patchify}; a side not divisible by the patch
     * loses its last pixels, as the patch embedding does.
     */
    protected static NDArray patchify(NDArray images) {
        Shape s = images.getShape();
        long c = s.get(1);
        long h = s.get(2) / VitTiny.PATCH;
        long w = s.get(3) / VitTiny.PATCH;
        int p = VitTiny.PATCH;
        NDArray cropped = s.get(2) == h * p && s.get(3) == w * p
                ? images
                : images.get(new NDIndex(":, :, :{}, :{}", h * p, w * p));
        return cropped.reshape(s.get(0), c, h, p, w, p)
                .transpose(0, 2, 4, 3, 5, 1)
                .reshape(s.get(0), h * w, p * p * c);
    }

    /** Rows of tokens (N, L, D) picked by an index (N, K): (N, K, D). */
    protected static NDArray rows(NDArray tokens, NDArray index) {
        long d = tokens.getShape().get(2);
        NDArray expanded = index.expandDims(2)
                .broadcast(index.getShape().get(0), index.getShape().get(1), d);
        return tokens.gather(expanded, 1);
    }

    /** Flattens (N, L, ...) to (N * L, ...) for the losses, which take one row per patch. */
    protected static NDArray perPatch(NDArray x) {
        Shape s = x.getShape();
        return s.dimension() == 2 ? x.reshape(s.get(0) * s.get(1)) : x.reshape(s.get(0) * s.get(1), s.get(2));
    }
}
