package ai.oxbow.model.encoder;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;

/**
 * ResNet-18 (He et al., 2016) with the CIFAR stem used by SSL papers on small images: a 3x3
 * stride-1 first convolution and no max-pool. Built from basic blocks because DJL's model zoo
 * ResNet-18 uses bottleneck units. Output: 512-d after global average pooling.
 */
public final class ResNet18 {
    public static final int DIM = 512;

    private ResNet18() {}

    public static Block build() {
        SequentialBlock net = new SequentialBlock()
                .add(conv(64, 3, 1))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock());
        int[] widths = {64, 128, 256, 512};
        int in = 64;
        for (int stage = 0; stage < widths.length; stage++) {
            for (int unit = 0; unit < 2; unit++) {
                int stride = stage > 0 && unit == 0 ? 2 : 1;
                net.add(basicBlock(widths[stage], stride, in != widths[stage] || stride != 1));
                in = widths[stage];
            }
        }
        return net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
    }

    private static Block basicBlock(int width, int stride, boolean project) {
        SequentialBlock main = new SequentialBlock()
                .add(conv(width, 3, stride))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(conv(width, 3, 1))
                .add(BatchNorm.builder().build());
        Block shortcut = project
                ? new SequentialBlock()
                        .add(conv(width, 1, stride))
                        .add(BatchNorm.builder().build())
                : Blocks.identityBlock();
        return new SequentialBlock()
                .add(new ParallelBlock(
                        branches -> new NDList(branches.get(0)
                                .singletonOrThrow()
                                .add(branches.get(1).singletonOrThrow())),
                        Arrays.asList(main, shortcut)))
                .add(Activation.reluBlock());
    }

    private static Block conv(int filters, int kernel, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .optBias(false)
                .build();
    }
}
