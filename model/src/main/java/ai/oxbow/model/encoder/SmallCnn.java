package ai.oxbow.model.encoder;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

/**
 * Four [conv 3x3 without bias, BatchNorm, ReLU] stages with 32/64/128/256 channels and strides
 * 1/2/2/2, then global average pooling: a 256-d feature for images of any size and channel count.
 */
public final class SmallCnn {
    public static final int DIM = 256;
    private static final int[] CHANNELS = {32, 64, 128, 256};
    private static final int[] STRIDES = {1, 2, 2, 2};

    private SmallCnn() {}

    public static Block build() {
        SequentialBlock net = new SequentialBlock();
        for (int i = 0; i < CHANNELS.length; i++) {
            net.add(Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .setFilters(CHANNELS[i])
                            .optStride(new Shape(STRIDES[i], STRIDES[i]))
                            .optPadding(new Shape(1, 1))
                            .optBias(false)
                            .build())
                    .add(BatchNorm.builder().build())
                    .add(Activation.reluBlock());
        }
        return net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
    }
}
