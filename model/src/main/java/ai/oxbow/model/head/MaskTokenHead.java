package ai.oxbow.model.head;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import ai.oxbow.model.encoder.TransformerBlock;

/**
 * SimMIM's pre-training parts beside the encoder (simmim.py): the learnable mask token (1, 1, D)
 * that replaces masked patches in the encoder's input (truncated normal, std 0.02), and the
 * one-layer prediction head, a 1 x 1 convolution from D to p * p * C per token followed by a pixel
 * shuffle, written as a Linear layer on tokens (N, L, D) to (N, L, P); its weights drawn as
 * PyTorch's convolution default, U(+-1/sqrt(D)).
 */
public final class MaskTokenHead extends AbstractBlock {
    private final int dim;
    private final Parameter maskToken = addParameter(TransformerBlock.embedding("maskToken"));
    private final Linear predict;

    public MaskTokenHead(int dim, int pixels) {
        this.dim = dim;
        predict = addChildBlock("predict", Linear.builder().setUnits(pixels).build());
        predict.setInitializer(
                new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN, 1),
                Parameter.Type.WEIGHT);
    }

    /** The mask token (1, 1, D). */
    public NDArray token(ParameterStore store, Device device) {
        return store.getValue(maskToken, device, true);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return predict.forward(store, inputs, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return predict.getOutputShapes(inputs);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
        predict.initialize(manager, dataType, inputs);
    }

    @Override
    protected void prepare(Shape[] inputs) {
        maskToken.setShape(new Shape(1, 1, dim));
    }
}
