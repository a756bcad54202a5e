package ai.oxbow.model.head;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import ai.oxbow.model.nd.Tensors;

/**
 * DINO's projection MLP (Caron et al., 2021, Sec. 3.1; official DINOHead and solo-learn's with
 * use_bn_in_head=False, the CIFAR ResNet setting): Linear-GELU-Linear-GELU-Linear to a
 * bottleneck, weights drawn from N(0, 0.02^2) (the official trunc_normal_(std=0.02) cuts at
 * +-2 absolute, i.e. 100 sigma) and zero biases, then the l2-normalisation of the official
 * DINOHead.forward; the method applies the {@link WeightNormLinear} last layer to that.
 */
public final class DinoHead {
    private DinoHead() {}

    public static Block mlp(int hidden, int bottleneck) {
        SequentialBlock mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation.geluBlock())
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation.geluBlock())
                .add(Linear.builder().setUnits(bottleneck).build())
                .add(new LambdaBlock(x -> new NDList(Tensors.l2Normalize(x.singletonOrThrow())), "l2_normalize"));
        mlp.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
        return mlp;
    }
}
