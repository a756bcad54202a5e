package ai.oxbow.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.PairList;
import ai.oxbow.model.nd.Scalars;

/**
 * A pre-norm transformer block as timm's ViT {@code Block}: x + Attn(LN(x)), then
 * x + MLP(LN(x)) on tokens (B, n, D); multi-head self-attention with a biased qkv projection,
 * an MLP D-4D-D with exact GELU, LayerNorm eps 1e-6, no dropout. Linear weights truncated
 * normal with std 0.02, biases 0 (DeiT's and MAE's initialisation). The ViT encoder and MAE's
 * decoder are stacks of it.
 */
public final class TransformerBlock extends AbstractBlock {
    public static final float EPS = 1e-6f;
    private static final float INIT_STD = 0.02f;

    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final SequentialBlock mlp;

    /** @param dim token width D; @param heads attention heads (D / heads each) */
    public TransformerBlock(int dim, int heads) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("width " + dim + " is not divisible by " + heads + " heads");
        }
        // Added in timm's order: DJL orders parameters by insertion, and the export reads them so.
        norm1 = addChildBlock("norm1", layerNorm());
        attn = addChildBlock("attn", new Attention(dim, heads));
        norm2 = addChildBlock("norm2", layerNorm());
        mlp = addChildBlock(
                "mlp",
                new SequentialBlock()
                        .add(linear(4 * dim))
                        .add(Activation.geluBlock())
                        .add(linear(dim)));
    }

    /** A Linear layer with DeiT's initialisation. */
    public static Linear linear(int units) {
        Linear linear = Linear.builder().setUnits(units).build();
        linear.setInitializer(new TruncatedNormalInitializer(INIT_STD), Parameter.Type.WEIGHT);
        return linear;
    }

    /** A LayerNorm over the last axis of (B, n, D) tokens. */
    public static LayerNorm layerNorm() {
        return LayerNorm.builder().axis(2).optEpsilon(EPS).build();
    }

    /** A learnable embedding (CLS or mask token, position embeddings) drawn as DeiT's, std 0.02. */
    public static Parameter embedding(String name) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.OTHER)
                .optInitializer(new TruncatedNormalInitializer(INIT_STD))
                .build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        x = x.add(attn.forward(store, norm1.forward(store, inputs, training), training)
                .singletonOrThrow());
        NDList normed = norm2.forward(store, new NDList(x), training);
        return new NDList(x.add(mlp.forward(store, normed, training).singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return inputs;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
        for (Block child : children.values()) {
            child.initialize(manager, dataType, inputs);
        }
    }

    /**
     * Multi-head self-attention, softmax(q k^T / sqrt(D / heads)) v per head, written out: DJL has
     * no such block for (B, n, D) tokens. The qkv rows are laid out as timm's: all heads' q, then k, then v.
     */
    private static final class Attention extends AbstractBlock {
        private final int dim;
        private final int heads;
        private final float scale;
        private final Linear qkv;
        private final Linear proj;

        Attention(int dim, int heads) {
            this.dim = dim;
            this.heads = heads;
            this.scale = (float) (1 / Math.sqrt(dim / heads));
            qkv = addChildBlock("qkv", linear(3 * dim));
            proj = addChildBlock("proj", linear(dim));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            Shape s = inputs.singletonOrThrow().getShape();
            long b = s.get(0);
            long n = s.get(1);
            // (B, n, 3D) to (3, B, heads, n, D / heads)
            NDArray x = qkv.forward(store, inputs, training)
                    .singletonOrThrow()
                    .reshape(b, n, 3, heads, dim / heads)
                    .transpose(2, 0, 3, 1, 4);
            NDArray weights = Scalars.mul(x.get(0), scale)
                    .matMul(x.get(1).transpose(0, 1, 3, 2))
                    .softmax(-1);
            NDArray out = weights.matMul(x.get(2)).transpose(0, 2, 1, 3).reshape(b, n, dim);
            return proj.forward(store, new NDList(out), training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return inputs;
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
            qkv.initialize(manager, dataType, inputs);
            proj.initialize(manager, dataType, inputs);
        }
    }
}
