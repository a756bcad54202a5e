package ai.oxbow.model.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One layer of an exported encoder, as written to {@code encoder.json}. A layer with parameters
 * has a name relative to its enclosing block (but for the ViT's {@link ClsPosEmbed}, whose tensors
 * are the block's own); its tensors are named as PyTorch's state_dict names them
 * ({@code <path>.weight}, {@code <path>.running_mean}, ...).
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

    record Conv2d(String name, int in, int out, int kernel, int stride, int padding, boolean bias) implements Layer {
        /** Same-padded and without bias, as the CNNs' convolutions (BatchNorm follows). */
        Conv2d(String name, int in, int out, int kernel, int stride) {
            this(name, in, out, kernel, stride, kernel / 2, false);
        }

        @Override
        public Map<String, Object> json() {
            Map<String, Object> m = named("conv2d", name);
            m.put("in_channels", in);
            m.put("out_channels", out);
            m.put("kernel_size", kernel);
            m.put("stride", stride);
            m.put("padding", padding);
            m.put("bias", bias);
            return m;
        }

        @Override
        public List<TensorSlot> tensors(String prefix) {
            TensorSlot weight =
                    new TensorSlot(prefix + name + ".weight", "_weight", new long[] {out, in, kernel, kernel});
            return bias
                    ? List.of(weight, new TensorSlot(prefix + name + ".bias", "_bias", new long[] {out}))
                    : List.of(weight);
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
            return List.of(
                    new TensorSlot(prefix + name + ".weight", "_gamma", shape),
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

    /**
     * The ViT's token assembly: conv maps N x D x h x w to N x (1 + hw) x D, the CLS token first,
     * plus the position embeddings of a gridHeight x gridWidth grid (for another grid resized as
     * {@code F.interpolate(mode="bicubic", align_corners=False, antialias=True)}). Unnamed: its
     * tensors are the encoder's own, as timm's {@code cls_token} and {@code pos_embed}.
     */
    record ClsPosEmbed(int gridHeight, int gridWidth, int dim) implements Layer {
        @Override
        public Map<String, Object> json() {
            Map<String, Object> m = named("cls_pos_embed", null);
            m.put("grid", List.of(gridHeight, gridWidth));
            m.put("dim", dim);
            return m;
        }

        @Override
        public List<TensorSlot> tensors(String prefix) {
            return List.of(
                    new TensorSlot(prefix + "cls_token", "_clsToken", new long[] {1, 1, dim}),
                    new TensorSlot(
                            prefix + "pos_embed", "_posEmbed", new long[] {1, 1 + (long) gridHeight * gridWidth, dim}));
        }
    }

    /** LayerNorm over the last axis. DJL's gamma and beta are PyTorch's weight and bias. */
    record LayerNorm(String name, int dim, float eps) implements Layer {
        @Override
        public Map<String, Object> json() {
            Map<String, Object> m = named("layernorm", name);
            m.put("dim", dim);
            m.put("eps", eps);
            return m;
        }

        @Override
        public List<TensorSlot> tensors(String prefix) {
            long[] shape = {dim};
            return List.of(
                    new TensorSlot(prefix + name + ".weight", "_gamma", shape),
                    new TensorSlot(prefix + name + ".bias", "_beta", shape));
        }
    }

    /**
     * Pre-norm transformer block as timm's: x + attn.proj(MHSA(attn.qkv(norm1(x)))), then
     * x + mlp.fc2(GELU(mlp.fc1(norm2(x)))); qkv's rows are all heads' q, then k, then v.
     */
    record TransformerBlock(String name, int dim, int heads, int mlpHidden, float eps) implements Layer {
        @Override
        public Map<String, Object> json() {
            Map<String, Object> m = named("transformer_block", name);
            m.put("dim", dim);
            m.put("heads", heads);
            m.put("mlp_hidden", mlpHidden);
            m.put("eps", eps);
            return m;
        }

        @Override
        public List<TensorSlot> tensors(String prefix) {
            String p = prefix + name + ".";
            List<TensorSlot> out = new ArrayList<>(new LayerNorm("norm1", dim, eps).tensors(p));
            out.addAll(linear(p + "attn.qkv", dim, 3 * dim));
            out.addAll(linear(p + "attn.proj", dim, dim));
            out.addAll(new LayerNorm("norm2", dim, eps).tensors(p));
            out.addAll(linear(p + "mlp.fc1", dim, mlpHidden));
            out.addAll(linear(p + "mlp.fc2", mlpHidden, dim));
            return out;
        }

        private static List<TensorSlot> linear(String path, int in, int out) {
            return List.of(
                    new TensorSlot(path + ".weight", "_weight", new long[] {out, in}),
                    new TensorSlot(path + ".bias", "_bias", new long[] {out}));
        }
    }

    /** N x (1 + n) x D tokens to the CLS token's N x D. */
    record ClsOutput() implements Layer {
        @Override
        public Map<String, Object> json() {
            return named("cls_output", null);
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
