package ai.oxbow.model.encoder;

import ai.djl.Device;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * A Vision Transformer (Dosovitskiy et al., 2021) of DeiT-Tiny's width (Touvron et al., 2021)
 * for small images:
 * <ul>
 *   <li>patch embedding: a 4x4 convolution of stride 4, with bias, to D = 192 (28x28 gives 7x7 =
 *   49 patches, 32x32 gives 64); a side not divisible by 4 loses its last pixels, as in DINO's ViT;</li>
 *   <li>tokens: a learnable CLS token before the patches, learnable position embeddings for the
 *   1 + N tokens of the input size at initialisation; another grid (multi-crop's local views)
 *   resizes the patches' embeddings, as DINO's {@code interpolate_pos_encoding}, bicubically with
 *   antialiasing as timm's {@code resample_abs_pos_embed} (DJL's PyTorch resize antialiases);</li>
 *   <li>6 pre-norm blocks, x + Attn(LN(x)) then x + MLP(LN(x)): 3 heads of 64 with a biased qkv
 *   projection, MLP 192-768-192 with (exact) GELU. DeiT-Tiny has 12 blocks: 6 keep a training
 *   step affordable on 2 CPU cores;</li>
 *   <li>a final LayerNorm (all of them eps 1e-6, as timm's ViT); the output is the CLS token's
 *   192-d feature.</li>
 * </ul>
 * No dropout and no stochastic depth (DeiT's drop path regularises supervised training).
 * Initialisation as DeiT's: Linear weights, CLS token and position embeddings truncated normal
 * with std 0.02 (DJL's initializer redraws beyond 2 std; timm's {@code trunc_normal_} cuts at
 * +-2 absolute, at this std practically a plain normal), biases 0, LayerNorm scale 1 and shift
 * 0; the patch convolution PyTorch's default, U(+-1/sqrt(fan_in)). 2.68M parameters at 1x28x28
 * (2,682,624), 2.69M at 3x32x32 (2,691,648). Under LARS the CLS token and the position
 * embeddings (3-d) are adapted and decayed as weights, as DINO's parameter groups exempt only
 * biases and 1-d (norm) parameters.
 *
 * <p>For masked image modelling the parts run on their own: {@link #patchTokens} (the patches with
 * their position embeddings, no CLS), {@link #positions} (what patchTokens adds), {@link #withCls}
 * and {@link #encode} (the blocks and the final norm on any tokens). MAE encodes the visible
 * patches only; SimMIM replaces a patch's token by a mask token plus that patch's position. The
 * forward pass is {@code encode(withCls(patchTokens(x)))[:, 0]}.
 */
public final class VitTiny extends AbstractBlock {
    public static final int DIM = 192;
    public static final int PATCH = 4;
    public static final int DEPTH = 6;
    public static final int HEADS = 3;
    public static final int MLP_HIDDEN = 4 * DIM;
    public static final float EPS = TransformerBlock.EPS;

    private final Conv2d patchEmbed;
    private final Tokens tokens;
    private final SequentialBlock blocks;
    private final LayerNorm norm;

    public VitTiny() {
        patchEmbed = addChildBlock(
                "patchEmbed",
                Conv2d.builder()
                        .setKernelShape(new Shape(PATCH, PATCH))
                        .optStride(new Shape(PATCH, PATCH))
                        .setFilters(DIM)
                        .optBias(true)
                        .build());
        patchEmbed.setInitializer(
                new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN, 1),
                Parameter.Type.WEIGHT);
        tokens = addChildBlock("tokens", new Tokens());
        SequentialBlock stack = new SequentialBlock();
        for (int i = 0; i < DEPTH; i++) {
            stack.add(new TransformerBlock(DIM, HEADS));
        }
        blocks = addChildBlock("blocks", stack);
        norm = addChildBlock("norm", TransformerBlock.layerNorm());
    }

    /** The patches of images (B, C, H, W) as tokens (B, N, D) with their position embeddings, without CLS. */
    public NDArray patchTokens(ParameterStore store, NDArray images, boolean training) {
        return tokens.patches(
                store, patchEmbed.forward(store, new NDList(images), training).singletonOrThrow(), training);
    }

    /** The position embeddings (1, hw, D) of an h x w grid of patches, row-major. */
    public NDArray positions(ParameterStore store, long h, long w, boolean training) {
        return tokens.positions(store, h, w, training);
    }

    /** Tokens (B, n, D) behind the CLS token with its position embedding: (B, 1 + n, D). */
    public NDArray withCls(ParameterStore store, NDArray patchTokens, boolean training) {
        return tokens.withCls(store, patchTokens, training);
    }

    /** The transformer blocks and the final norm on any tokens (B, n, D), such as a subset of the patches. */
    public NDArray encode(ParameterStore store, NDArray tokens, boolean training) {
        return norm.forward(store, blocks.forward(store, new NDList(tokens), training), training)
                .singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray patches = patchTokens(store, inputs.singletonOrThrow(), training);
        return new NDList(
                encode(store, withCls(store, patches, training), training).get(new NDIndex(":, 0")));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {new Shape(inputs[0].get(0), DIM)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
        patchEmbed.initialize(manager, dataType, inputs);
        Shape[] maps = patchEmbed.getOutputShapes(inputs);
        tokens.initialize(manager, dataType, maps);
        Shape[] sequence = tokens.getOutputShapes(maps);
        blocks.initialize(manager, dataType, sequence);
        norm.initialize(manager, dataType, sequence);
    }

    /**
     * The token assembly: the CLS token (1, 1, D) and the position embeddings (1, 1 + N, D) of the
     * grid seen at initialisation. Its forward maps the patch embedding's maps (B, D, h, w) to
     * the tokens (B, 1 + hw, D).
     */
    private static final class Tokens extends AbstractBlock {
        private final Parameter cls = addParameter(TransformerBlock.embedding("clsToken"));
        private final Parameter positions = addParameter(TransformerBlock.embedding("posEmbed"));
        private long gridHeight;
        private long gridWidth;

        /** Maps (B, D, h, w) to patch tokens (B, hw, D), row-major as PyTorch's flatten(2), plus positions. */
        NDArray patches(ParameterStore store, NDArray maps, boolean training) {
            Shape s = maps.getShape();
            long h = s.get(2);
            long w = s.get(3);
            return maps.reshape(s.get(0), DIM, h * w).transpose(0, 2, 1).add(positions(store, h, w, training));
        }

        NDArray positions(ParameterStore store, long h, long w, boolean training) {
            // On the device the parameters live on: there is no input to take it from.
            Device device = positions.getArray().getDevice();
            NDArray pos = store.getValue(positions, device, training).get(new NDIndex(":, 1:"));
            if (h == gridHeight && w == gridWidth) {
                return pos;
            }
            // The embeddings as a (1, gridHeight, gridWidth) image of D channels (NHWC), resized.
            return NDImageUtils.resize(
                            pos.reshape(1, gridHeight, gridWidth, DIM), (int) w, (int) h, Image.Interpolation.BICUBIC)
                    .reshape(1, h * w, DIM);
        }

        NDArray withCls(ParameterStore store, NDArray patches, boolean training) {
            Device device = patches.getDevice();
            NDArray first = store.getValue(cls, device, training)
                    .add(store.getValue(positions, device, training).get(new NDIndex(":, :1")));
            return first.broadcast(patches.getShape().get(0), 1, DIM).concat(patches, 1);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            return new NDList(withCls(store, patches(store, inputs.singletonOrThrow(), training), training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape maps = inputs[0];
            return new Shape[] {new Shape(maps.get(0), 1 + maps.get(2) * maps.get(3), DIM)};
        }

        @Override
        protected void beforeInitialize(Shape... inputs) {
            super.beforeInitialize(inputs);
            gridHeight = inputs[0].get(2);
            gridWidth = inputs[0].get(3);
        }

        @Override
        protected void prepare(Shape[] inputs) {
            cls.setShape(new Shape(1, 1, DIM));
            positions.setShape(new Shape(1, 1 + gridHeight * gridWidth, DIM));
        }
    }
}
