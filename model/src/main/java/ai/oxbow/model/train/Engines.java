package ai.oxbow.model.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/** What the trainer and the embedders share about DJL's PyTorch engine: device, grad mode, input. */
final class Engines {
    private Engines() {}

    /** A manager on the GPU when there is one, else the CPU. */
    static NDManager newManager() {
        Engine engine = Engine.getEngine("PyTorch");
        return engine.newBaseManager(engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu());
    }

    /**
     * PyTorch's grad mode is per thread and on by default; DJL turns it off only on the thread
     * that started the engine. Flink calls the trainer from its task thread, where in-place
     * updates of parameters would otherwise be refused (or recorded).
     */
    static void noGradOutsideCollector() {
        JniUtils.setGradMode(false);
    }

    /** n images (CHW floats in [0, 1]) as one normalised NCHW batch. */
    static NDArray normalized(NDManager batch, float[] pixels, int n, int c, int s, float[] mean, float[] std) {
        if (pixels.length != n * c * s * s) {
            throw new IllegalArgumentException("expected " + n + " x " + c + "x" + s + "x" + s
                    + " pixels, got " + pixels.length);
        }
        NDArray x = batch.create(pixels, new Shape(n, c, s, s));
        return x.sub(batch.create(mean, new Shape(1, c, 1, 1))).div(batch.create(std, new Shape(1, c, 1, 1)));
    }
}
