package ai.oxbow.model.head;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;

/**
 * Projector and predictor heads: hidden layers of Linear-BN-ReLU, then a Linear output,
 * optionally followed by BatchNorm (NNCLR's projector ends with one).
 */
public final class Mlp {
    private Mlp() {}

    public static Block build(int[] hidden, int out, boolean outputBatchNorm) {
        SequentialBlock mlp = new SequentialBlock();
        for (int width : hidden) {
            mlp.add(Linear.builder().setUnits(width).build())
                    .add(BatchNorm.builder().build())
                    .add(Activation.reluBlock());
        }
        mlp.add(Linear.builder().setUnits(out).build());
        if (outputBatchNorm) {
            mlp.add(BatchNorm.builder().build());
        }
        return mlp;
    }
}
