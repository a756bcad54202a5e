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
        return newManager(0);
    }

    /** A manager on GPU {@code index} modulo their count when there are any, else the CPU. */
    static NDManager newManager(int index) {
        Engine engine = Engine.getEngine("PyTorch");
        int gpus = engine.getGpuCount();
        return engine.newBaseManager(gpus > 0 ? Device.gpu(index % gpus) : Device.cpu());
    }

    /**
     * PyTorch's grad mode is per thread and on by default; DJL turns it off only on the thread
     * that started the engine. Flink calls the trainer from its task thread, where in-place
     * updates of parameters would otherwise be refused (or recorded).
     */
    static void noGradOutsideCollector() {
        JniUtils.setGradMode(false);
    }

    /** n images (CHW floats in [0, 1]) as one normalised NCHW batch, laid out channels-last. */
    static NDArray normalized(NDManager batch, float[] pixels, int n, int c, int s, float[] mean, float[] std) {
        if (pixels.length != n * c * s * s) {
            throw new IllegalArgumentException(
                    "expected " + n + " x " + c + "x" + s + "x" + s + " pixels, got " + pixels.length);
        }
        NDArray x = batch.create(pixels, new Shape(n, c, s, s));
        return channelsLast(
                x.sub(batch.create(mean, new Shape(1, c, 1, 1))).div(batch.create(std, new Shape(1, c, 1, 1))));
    }

    /**
     * The same NCHW array (values, shape, autograd) with its memory in NHWC order. oneDNN's
     * convolutions then run without reordering every activation, and the layout propagates
     * through convolution, BatchNorm, ReLU and pooling (docs/benchmarks.md, "Trainer against plain PyTorch": +23 % per
     * step). DJL 0.32 has no memory-format call: reshaping the permuted view copies it in NHWC
     * order (with one channel it is already that order and stays a view); clone or
     * {@code toType} would keep the strides, and DJL's clone would also cut the gradient.
     */
    static NDArray channelsLast(NDArray nchw) {
        Shape shape = nchw.getShape();
        long n = shape.get(0);
        return nchw.transpose(0, 2, 3, 1)
                .reshape(n, -1)
                .reshape(n, shape.get(2), shape.get(3), shape.get(1))
                .transpose(0, 3, 1, 2);
    }
}
