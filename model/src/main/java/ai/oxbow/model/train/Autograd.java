package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records the operations of the calling thread for a backward pass, as DJL's gradient collector
 * does, but for that thread only: PyTorch's grad mode is per thread, while DJL allows one collector
 * per process at a time, and the ranks of a data-parallel group may share one (a MiniCluster, or
 * several task slots of one TaskManager).
 */
public final class Autograd implements AutoCloseable {
    private final boolean before;

    private Autograd() {
        before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Starts recording on this thread; close to stop. */
    public static Autograd record() {
        return new Autograd();
    }

    /** Gradients of a scalar into every array that requires them (accumulated, as PyTorch's backward). */
    public void backward(NDArray loss) {
        try (NDArray ones = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
        }
    }

    @Override
    public void close() {
        JniUtils.setGradMode(before);
    }
}
