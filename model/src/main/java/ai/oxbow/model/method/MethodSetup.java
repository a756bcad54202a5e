package ai.oxbow.model.method;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.nn.Network;

/**
 * What a method needs to build its networks and buffers: where, which encoder, the input shape,
 * how many global views each batch brings, and the trainer's seed (for what a method draws
 * itself, such as MAE's masks, so a restored trainer draws the same).
 */
public record MethodSetup(
        NDManager manager, String encoder, int channels, int size, int globalViews, long seed, MethodOptions options) {

    public Network backbone(String name) {
        return new Network(name, Encoders.build(encoder), manager, new Shape(2, channels, size, size));
    }

    public Network head(String name, Block block, int inputDim) {
        return new Network(name, block, manager, new Shape(2, inputDim));
    }

    public int featureDim() {
        return Encoders.dim(encoder);
    }
}
