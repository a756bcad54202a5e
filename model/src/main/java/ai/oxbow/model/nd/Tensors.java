package ai.oxbow.model.nd;

import ai.djl.ndarray.NDArray;

/** Small tensor helpers shared by losses and methods. */
public final class Tensors {
    private Tensors() {}

    /**
     * Row-wise x / max(||x||, 1e-12), as torch.nn.functional.normalize(x, dim=1) (clamp_min);
     * clip, not maximum(Number), whose backward reads freed memory (see {@link Scalars}).
     */
    public static NDArray l2Normalize(NDArray x) {
        return x.div(x.norm(new int[] {1}, true).clip(1e-12f, Float.POSITIVE_INFINITY));
    }
}
