package ai.oxbow.model.nd;

import ai.djl.ndarray.NDArray;

/** Small tensor helpers shared by losses and methods. */
public final class Tensors {
    private Tensors() {}

    /** Row-wise x / max(||x||, 1e-12), as torch.nn.functional.normalize(x, dim=1). */
    public static NDArray l2Normalize(NDArray x) {
        return x.div(x.norm(new int[] {1}, true).maximum(1e-12f));
    }
}
