package ai.oxbow.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.oxbow.model.encoder.TransformerBlock;

/**
 * MAE's lightweight decoder (He et al., CVPR 2022, Sec. 3 and models_mae.py
 * {@code forward_decoder}): the encoded visible tokens (with CLS) are projected to the decoder
 * width, a shared learnable mask token fills every masked place, the tokens are put back in patch
 * order, fixed 2-D sine-cosine position embeddings are added, and transformer blocks, a LayerNorm
 * and a linear layer predict each patch's p * p * C pixels. Inputs: tokens (N, 1 + K, D_enc) and
 * the restoring order (N, L) int64 (patch j's place in [visible..., masked...]) of a square grid of
 * L patches (any side: the embeddings are a formula, so local crops need no resizing); output (N, L, P).
 */
public final class MaeDecoder extends AbstractBlock {
    private final int width;
    private final int pixels;
    private final Linear embed;
    private final Parameter maskToken = addParameter(TransformerBlock.embedding("maskToken"));
    private final SequentialBlock blocks = new SequentialBlock();
    private final LayerNorm norm;
    private final Linear predict;

    /**
     * @param width     decoder width (MAE: 512 for ViT-B/L/H)
     * @param depth     decoder blocks (MAE: 8)
     * @param heads     decoder attention heads (MAE: 16)
     * @param pixels    values per patch, p * p * C
     */
    public MaeDecoder(int width, int depth, int heads, int pixels) {
        this.width = width;
        this.pixels = pixels;
        embed = addChildBlock("embed", TransformerBlock.linear(width));
        for (int i = 0; i < depth; i++) {
            blocks.add(new TransformerBlock(width, heads));
        }
        addChildBlock("blocks", blocks);
        norm = addChildBlock("norm", TransformerBlock.layerNorm());
        predict = addChildBlock("predict", TransformerBlock.linear(pixels));
    }

    /**
     * 2-D sine-cosine position embeddings of a side x side grid plus a zero CLS row, as MAE's
     * util/pos_embed.py: the first width/2 values encode the column, the last width/2 the row, each
     * as [sin(pos * omega), cos(pos * omega)] with omega_k = 10000^(-k / (width/4)).
     */
    public static float[] sinCosPositions(int width, int side) {
        if (width % 4 != 0) {
            throw new IllegalArgumentException(
                    "sine-cosine position embeddings need a width divisible by 4, not " + width);
        }
        int quarter = width / 4;
        float[] out = new float[(1 + side * side) * width];
        for (int r = 0; r < side; r++) {
            for (int c = 0; c < side; c++) {
                int row = (1 + r * side + c) * width;
                for (int k = 0; k < quarter; k++) {
                    double omega = 1 / Math.pow(10000, (double) k / quarter);
                    out[row + k] = (float) Math.sin(c * omega);
                    out[row + quarter + k] = (float) Math.cos(c * omega);
                    out[row + 2 * quarter + k] = (float) Math.sin(r * omega);
                    out[row + 3 * quarter + k] = (float) Math.cos(r * omega);
                }
            }
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray tokens =
                embed.forward(store, new NDList(inputs.get(0)), training).singletonOrThrow();
        NDArray restore = inputs.get(1);
        long n = tokens.getShape().get(0);
        long patches = restore.getShape().get(1);
        long visible = tokens.getShape().get(1) - 1;
        int side = (int) Math.round(Math.sqrt(patches));
        NDArray mask = store.getValue(maskToken, tokens.getDevice(), training).broadcast(n, patches - visible, width);
        NDArray shuffled = tokens.get(new NDIndex(":, 1:")).concat(mask, 1);
        NDArray index = restore.expandDims(2).broadcast(n, patches, width);
        NDArray ordered = tokens.get(new NDIndex(":, :1")).concat(shuffled.gather(index, 1), 1);
        NDArray pos = tokens.getManager().create(sinCosPositions(width, side), new Shape(1, 1 + patches, width));
        NDArray x =
                blocks.forward(store, new NDList(ordered.add(pos)), training).singletonOrThrow();
        x = norm.forward(store, new NDList(x), training).singletonOrThrow();
        return new NDList(predict.forward(store, new NDList(x.get(new NDIndex(":, 1:"))), training)
                .singletonOrThrow());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        // Only the batch is known from the tokens' shape; the patch count comes with the restoring order.
        return new Shape[] {new Shape(inputs[0].get(0), inputs.length > 1 ? inputs[1].get(1) : -1, pixels)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
        Shape tokens = inputs[0];
        embed.initialize(manager, dataType, tokens);
        Shape decoded = new Shape(tokens.get(0), tokens.get(1), width);
        blocks.initialize(manager, dataType, decoded);
        norm.initialize(manager, dataType, decoded);
        predict.initialize(manager, dataType, decoded);
    }

    @Override
    protected void prepare(Shape[] inputs) {
        maskToken.setShape(new Shape(1, 1, width));
    }
}
