package ai.oxbow.model.augment;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Random views for two-view methods: random resized crop, horizontal flip, brightness and
 * contrast jitter in random order (torchvision semantics). A view is a pure function of
 * (seed, image id, view index), so a replay after failover yields identical pixels.
 */
public final class PairAugmenter implements Serializable {

    /** torchvision-style parameters; defaults follow MoCo v2 without the colour terms grey images lack. */
    public record Params(double minScale, double maxScale, double minRatio, double maxRatio,
                         double flipProbability, double jitterProbability, double brightness,
                         double contrast) implements Serializable {
        public static final Params DEFAULT = new Params(0.2, 1.0, 3.0 / 4, 4.0 / 3, 0.5, 0.8, 0.4, 0.4);
    }

    private final Params params;
    private final long seed;
    private final int size;

    public PairAugmenter(Params params, long seed, int size) {
        this.params = params;
        this.seed = seed;
        this.size = size;
    }

    /** View number {@code view} of the image {@code id} (CHW floats in [0, 1]). */
    public float[] view(float[] chw, int channels, int height, int width, String id, int view) {
        SplittableRandom random = new SplittableRandom(mix(seed, id, view));
        double[] box = cropBox(random, height, width);
        float[] out = Pixels.cropResize(chw, channels, height, width, box[0], box[1], box[2], box[3], size);
        if (random.nextDouble() < params.flipProbability) {
            flip(out, channels);
        }
        if (random.nextDouble() < params.jitterProbability) {
            double b = 1 + (random.nextDouble() * 2 - 1) * params.brightness;
            double c = 1 + (random.nextDouble() * 2 - 1) * params.contrast;
            if (random.nextBoolean()) {
                brightness(out, b);
                contrast(out, channels, c);
            } else {
                contrast(out, channels, c);
                brightness(out, b);
            }
        }
        return out;
    }

    /** torchvision RandomResizedCrop.get_params: 10 tries, then a centre crop. */
    private double[] cropBox(SplittableRandom random, int height, int width) {
        double area = (double) height * width;
        double logMin = Math.log(params.minRatio);
        double logMax = Math.log(params.maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (params.minScale + random.nextDouble() * (params.maxScale - params.minScale));
            double ratio = Math.exp(logMin + random.nextDouble() * (logMax - logMin));
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int top = random.nextInt(height - h + 1);
                int left = random.nextInt(width - w + 1);
                return new double[] {top, left, h, w};
            }
        }
        double ratio = (double) width / height;
        int w = width;
        int h = height;
        if (ratio < params.minRatio) {
            h = (int) Math.round(w / params.minRatio);
        } else if (ratio > params.maxRatio) {
            w = (int) Math.round(h * params.maxRatio);
        }
        return new double[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    private void flip(float[] img, int channels) {
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < size; y++) {
                int row = (c * size + y) * size;
                for (int x = 0; x < size / 2; x++) {
                    float t = img[row + x];
                    img[row + x] = img[row + size - 1 - x];
                    img[row + size - 1 - x] = t;
                }
            }
        }
    }

    private static void brightness(float[] img, double factor) {
        for (int i = 0; i < img.length; i++) {
            img[i] = clamp(img[i] * factor);
        }
    }

    /** torchvision adjust_contrast: blend with the mean of the greyscale image. */
    private void contrast(float[] img, int channels, double factor) {
        int plane = size * size;
        double mean = 0;
        for (int p = 0; p < plane; p++) {
            mean += channels >= 3 ? 0.299 * img[p] + 0.587 * img[plane + p] + 0.114 * img[2 * plane + p] : img[p];
        }
        mean /= plane;
        for (int i = 0; i < img.length; i++) {
            img[i] = clamp(mean + (img[i] - mean) * factor);
        }
    }

    private static float clamp(double v) {
        return (float) Math.min(1.0, Math.max(0.0, v));
    }

    /** A 64-bit seed from (seed, id, view): FNV-1a over the id, mixed with SplitMix64 constants. */
    static long mix(long seed, String id, int view) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return seed * 0x9E3779B97F4A7C15L ^ h ^ (view + 1L) * 0xBF58476D1CE4E5B9L;
    }
}
