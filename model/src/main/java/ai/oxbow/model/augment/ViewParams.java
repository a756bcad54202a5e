package ai.oxbow.model.augment;

import ai.oxbow.model.util.KeyValues;
import ai.oxbow.model.util.Nearest;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * The parameters of one view of a {@link Recipe} (probabilities in [0, 1]; option keys in
 * the comment of {@link Recipe}).
 *
 * @param blurKernel odd kernel size, or 0 for {@link GaussianBlur#kernelSizeFor}(size)
 */
public record ViewParams(
        int size,
        double minScale,
        double maxScale,
        double minRatio,
        double maxRatio,
        double flip,
        double jitter,
        ColorJitter colorJitter,
        double grayscale,
        double blur,
        int blurKernel,
        double minSigma,
        double maxSigma,
        double solarize,
        double solarizeThreshold)
        implements Serializable {

    public ViewParams {
        if (size < 1
                || !(minScale > 0 && minScale <= maxScale)
                || !(minRatio > 0 && minRatio <= maxRatio)
                || blurKernel < 0
                || (blurKernel > 0 && blurKernel % 2 == 0)
                || !(minSigma > 0 && minSigma <= maxSigma)
                || !(solarizeThreshold >= 0 && solarizeThreshold <= 1)) {
            throw new IllegalArgumentException("bad augmentation view: size " + size + ", scale " + minScale
                    + ":" + maxScale + ", ratio " + minRatio + ":" + maxRatio + ", blur_kernel " + blurKernel
                    + ", blur_sigma " + minSigma + ":" + maxSigma + ", solarize_threshold " + solarizeThreshold);
        }
        for (double p : new double[] {flip, jitter, grayscale, blur, solarize}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("augmentation probability " + p + " is not in [0, 1]");
            }
        }
    }

    /** The blur kernel size used for this view. */
    public int kernelSize() {
        return blurKernel > 0 ? blurKernel : GaussianBlur.kernelSizeFor(size);
    }

    /** This view with the given option keys changed. */
    public ViewParams with(Map<String, String> options) {
        Fields f = new Fields(this);
        options.forEach(f::set);
        return f.build();
    }

    static String subject(String key) {
        return "augmentation option '" + key + "'";
    }

    /** A mutable copy of a view's parameters, to change some by option key. */
    private static final class Fields {
        int size;
        double minScale;
        double maxScale;
        double minRatio;
        double maxRatio;
        double flip;
        double jitter;
        double brightness;
        double contrast;
        double saturation;
        double hue;
        double grayscale;
        double blur;
        int blurKernel;
        double minSigma;
        double maxSigma;
        double solarize;
        double solarizeThreshold;

        Fields(ViewParams v) {
            size = v.size();
            minScale = v.minScale();
            maxScale = v.maxScale();
            minRatio = v.minRatio();
            maxRatio = v.maxRatio();
            flip = v.flip();
            jitter = v.jitter();
            brightness = v.colorJitter().brightness();
            contrast = v.colorJitter().contrast();
            saturation = v.colorJitter().saturation();
            hue = v.colorJitter().hue();
            grayscale = v.grayscale();
            blur = v.blur();
            blurKernel = v.blurKernel();
            minSigma = v.minSigma();
            maxSigma = v.maxSigma();
            solarize = v.solarize();
            solarizeThreshold = v.solarizeThreshold();
        }

        ViewParams build() {
            return new ViewParams(
                    size,
                    minScale,
                    maxScale,
                    minRatio,
                    maxRatio,
                    flip,
                    jitter,
                    new ColorJitter(brightness, contrast, saturation, hue),
                    grayscale,
                    blur,
                    blurKernel,
                    minSigma,
                    maxSigma,
                    solarize,
                    solarizeThreshold);
        }

        /** The keys {@link #set} takes. */
        static final List<String> KEYS = List.of(
                "size",
                "scale",
                "ratio",
                "flip",
                "jitter",
                "brightness",
                "contrast",
                "saturation",
                "hue",
                "grayscale",
                "blur",
                "blur_kernel",
                "blur_sigma",
                "solarize",
                "solarize_threshold");

        void set(String key, String value) {
            switch (key) {
                case "size" -> size = KeyValues.toInt(subject(key), value);
                case "scale" -> {
                    double[] r = range(key, value);
                    minScale = r[0];
                    maxScale = r[1];
                }
                case "ratio" -> {
                    double[] r = range(key, value);
                    minRatio = r[0];
                    maxRatio = r[1];
                }
                case "flip" -> flip = number(key, value);
                case "jitter" -> jitter = number(key, value);
                case "brightness" -> brightness = number(key, value);
                case "contrast" -> contrast = number(key, value);
                case "saturation" -> saturation = number(key, value);
                case "hue" -> hue = number(key, value);
                case "grayscale" -> grayscale = number(key, value);
                case "blur" -> blur = number(key, value);
                case "blur_kernel" -> blurKernel = KeyValues.toInt(subject(key), value);
                case "blur_sigma" -> {
                    double[] r = range(key, value);
                    minSigma = r[0];
                    maxSigma = r[1];
                }
                case "solarize" -> solarize = number(key, value);
                case "solarize_threshold" -> solarizeThreshold = number(key, value);
                default ->
                    throw new IllegalArgumentException("unknown augmentation option '" + key + "'"
                            + Nearest.hint(key, KEYS) + ", expected one of " + KEYS);
            }
        }

        private static double number(String key, String value) {
            return KeyValues.toDouble(subject(key), value);
        }

        private static double[] range(String key, String value) {
            return KeyValues.range(subject(key), value);
        }
    }
}
