package ai.oxbow.model.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplying or dividing by a Java number inside autograd, safely. DJL 0.32's PyTorch engine
 * implements {@code NDArray.mul/div/maximum(Number)} by wrapping the number in a tensor over
 * JVM memory ({@code torch::from_blob}) and closing it right after the forward op; the backward
 * pass then reads the saved operand after the JVM may have freed that memory, and the gradient
 * is silently wrong (zero, or scaled by garbage) whenever a garbage collection falls between
 * forward and backward. Here the number is a PyTorch-owned scalar, which autograd keeps alive.
 * {@code add/sub(Number)} are safe as they are: their backward does not read the operand.
 */
public final class Scalars {
    private Scalars() {}

    public static NDArray mul(NDArray x, float value) {
        return x.mul(scalar(x, value));
    }

    public static NDArray div(NDArray x, float value) {
        return x.div(scalar(x, value));
    }

    public static NDArray maximum(NDArray x, float value) {
        return x.maximum(scalar(x, value));
    }

    private static NDArray scalar(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }
}
