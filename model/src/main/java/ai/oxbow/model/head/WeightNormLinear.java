package ai.oxbow.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.oxbow.model.nd.Tensors;

/**
 * A bias-free Linear layer whose weight rows are l2-normalised in the forward pass:
 * y = x (V / ||V||_row)^T. This is {@code torch.nn.utils.weight_norm} with the gain g fixed to 1,
 * DINO's last layer with {@code norm_last_layer=True} (Caron et al., 2021, Sec. 3.1 and the
 * official DINOHead): only the direction V is trained, and gradients flow through the
 * normalisation, which is not the same as re-normalising the weights after each step.
 */
public final class WeightNormLinear extends AbstractBlock {
    private final long units;
    private final Parameter direction;

    public WeightNormLinear(long units) {
        this.units = units;
        this.direction = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray v = store.getValue(direction, x.getDevice(), training);
        return new NDList(x.matMul(Tensors.l2Normalize(v).transpose()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {new Shape(inputs[0].get(0), units)};
    }

    @Override
    public void prepare(Shape[] inputs) {
        direction.setShape(new Shape(units, inputs[0].get(inputs[0].dimension() - 1)));
    }
}
