package ai.oxbow.model.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One layer of an exported encoder, as written to {@code encoder.json}. A layer with parameters
 * has a name relative to its enclosing block; its tensors are named as PyTorch's state_dict
 * names them ({@code <path>.weight}, {@code <path>.running_mean}, ...).
 */
sealed interface Layer {

    /** The layer's description in encoder.json. */
    Map<String, Object> json();

    /** Its tensors in DJL's parameter order, named under a path prefix ("" or "layer1.0."). */
    default List<TensorSlot> tensors(String prefix) {
        return List.of();
    }

    /** A tensor the export expects: PyTorch name, the DJL parameter name's ending, shape. */
    record TensorSlot(String name, String djlSuffix, long[] shape) {}

    record Conv2d(String name, int in, int out, int kernel, int stride) implements Layer {
        @Override
        public Map<String, Object> json() {
            Map<String, Object> m = named("conv2d", name);
            m.put("in_channels", in);
            m.put("out_channels", out);
            m.put("kernel_size", kernel);
            m.put("stride", stride);
            m.put("padding", kernel / 2);
            m.put("bias", false);
            return m;
        }

        @Override
        public List<TensorSlot> tensors(String prefix) {
            return List.of(new TensorSlot(prefix + name + ".weight", "_weight", new long[] {out, in, kernel, kernel}));
        }
    }

    /**
     * Inference uses the running statistics: (x - running_mean) / sqrt(running_var + eps) * weight
     * + bias. DJL's BatchNorm defaults (which the encoders use) are eps 1e-5 and momentum 0.9,
     * the weight of the old running value; PyTorch's momentum is the weight of the new batch
     * statistic, so the same update is momentum 0.1 there.
     */
    record BatchNorm2d(String name, int features) implements Layer {
        static final double EPS = 1e-5;
        static final double TORCH_MOMENTUM = 0.1;

        @Override
        public Map<String, Object> json() {
            Map<String, Object> m = named("batchnorm2d", name);
            m.put("num_features", features);
            m.put("eps", EPS);
            m.put("momentum", TORCH_MOMENTUM);
            return m;
        }

        @Override
        public List<TensorSlot> tensors(String prefix) {
            long[] shape = {features};
            return List.of(new TensorSlot(prefix + name + ".weight", "_gamma", shape),
                    new TensorSlot(prefix + name + ".bias", "_beta", shape),
                    new TensorSlot(prefix + name + ".running_mean", "_runningMean", shape),
                    new TensorSlot(prefix + name + ".running_var", "_runningVar", shape));
        }
    }

    record Relu() implements Layer {
        @Override
        public Map<String, Object> json() {
            return named("relu", null);
        }
    }

    /** Global average pooling over H and W, keeping N x C x 1 x 1. */
    record GlobalAvgPool() implements Layer {
        @Override
        public Map<String, Object> json() {
            return named("global_avg_pool", null);
        }
    }

    /** N x C x 1 x 1 to N x C. */
    record Flatten() implements Layer {
        @Override
        public Map<String, Object> json() {
            return named("flatten", null);
        }
    }

    /** ResNet basic block: relu(layers(x) + downsample(x)), or relu(layers(x) + x) without downsample. */
    record BasicBlock(String name, List<Layer> layers, List<Layer> downsample) implements Layer {
        @Override
        public Map<String, Object> json() {
            Map<String, Object> m = named("basic_block", name);
            m.put("layers", Layer.json(layers));
            m.put("downsample", Layer.json(downsample));
            return m;
        }

        @Override
        public List<TensorSlot> tensors(String prefix) {
            List<Layer> all = new ArrayList<>(layers);
            all.addAll(downsample);
            return Layer.tensors(all, prefix + name + ".");
        }
    }

    static List<Map<String, Object>> json(List<Layer> layers) {
        return layers.stream().map(Layer::json).toList();
    }

    /** DJL orders parameters depth-first in block order, as this walk does. */
    static List<TensorSlot> tensors(List<Layer> layers, String prefix) {
        List<TensorSlot> out = new ArrayList<>();
        for (Layer l : layers) {
            out.addAll(l.tensors(prefix));
        }
        return out;
    }

    private static Map<String, Object> named(String type, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        if (name != null) {
            m.put("name", name);
        }
        return m;
    }
}
