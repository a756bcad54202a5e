package ai.oxbow.model.augment;

import java.util.Arrays;
import java.util.Map;

/**
 * Input presets: what a recipe written for 224-pixel colour photographs changes for a data set.
 * A preset is a set of {@link Recipe} options applied to every view before the caller's own.
 */
public enum Preset {
    /** The recipe as written. */
    NONE("none", 0, 0, Map.of()),
    /**
     * Fashion-MNIST, grey 28x28: no colour operations (torchvision makes saturation, hue and
     * grayscale no-ops on one channel anyway; switching them off draws nothing for them) and a
     * smaller blur: the 3-tap kernel that 28 pixels give with sigma at most 1, since strokes are
     * one to three pixels wide and sigma 2 would flatten them. The sigma cap is ours, not a paper's.
     */
    FASHION_MNIST(
            "fashion-mnist", 28, 1, Map.of("saturation", "0", "hue", "0", "grayscale", "0", "blur_sigma", "0.1:1")),
    /**
     * CIFAR-10/100, colour 32x32: no blur, as solo-learn's CIFAR runs (scripts/pretrain/cifar/*.sh
     * pass {@code --gaussian_prob 0.0 0.0}; augmentations/asymmetric.yaml has
     * {@code gaussian_blur.prob: 0.0} in both views) and SimCLR's CIFAR-10 command
     * (google-research/simclr README: {@code --use_blur=False --color_jitter_strength=0.5}).
     */
    CIFAR("cifar", 32, 3, Map.of("blur", "0")),
    /** ImageNet, colour 224x224: the recipes are written for it. */
    IMAGENET("imagenet", 224, 3, Map.of());

    private final String key;
    private final int size;
    private final int channels;
    private final Map<String, String> options;

    Preset(String key, int size, int channels, Map<String, String> options) {
        this.key = key;
        this.size = size;
        this.channels = channels;
        this.options = options;
    }

    /** The name used on the command line. */
    public String key() {
        return key;
    }

    /** The data set's image side in pixels (0 for none), a default for benchmarks. */
    public int size() {
        return size;
    }

    /** The data set's channels (0 for none), a default for benchmarks. */
    public int channels() {
        return channels;
    }

    /** The recipe options this preset sets. */
    public Map<String, String> options() {
        return options;
    }

    /** The preset named {@code key}; null, blank or "none" for {@link #NONE}. */
    public static Preset parse(String key) {
        if (key == null || key.isBlank()) {
            return NONE;
        }
        return Arrays.stream(values())
                .filter(p -> p.key.equals(key))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown augmentation preset '" + key + "' (one of "
                        + String.join(
                                ", ", Arrays.stream(values()).map(Preset::key).toList()) + ")"));
    }
}
