package ai.oxbow.model.head;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;

/**
 * DINO's projection MLP (Caron et al., 2021, Sec. 3.1; official DINOHead and solo-learn's with
 * use_bn_in_head=False, the CIFAR ResNet setting): Linear-GELU-Linear-GELU-Linear to a
 * bottleneck, weights drawn from N(0, 0.02^2) (the official trunc_normal_(std=0.02) cuts at
 * +-2 absolute, i.e. 100 sigma) and zero biases. The method l2-normalises its output and
 * applies the {@link WeightNormLinear} last layer.
 */
public final class DinoHead {
    private DinoHead() {}

    public static Block mlp(int hidden, int bottleneck) {
        SequentialBlock mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation.geluBlock())
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation.geluBlock())
                .add(Linear.builder().setUnits(bottleneck).build());
        mlp.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
        return mlp;
    }
}
