package ai.oxbow.model.augment;

/**
 * Photometric operations on float images, each the float-tensor path of the torchvision
 * functional of the same name ({@code adjust_brightness}, {@code adjust_contrast},
 * {@code adjust_saturation}, {@code adjust_hue}, {@code rgb_to_grayscale}, {@code solarize}),
 * in float32 with torchvision's order of operations: {@code TorchvisionFixturesTest} finds them
 * bit-identical to torchvision 0.14's. v2.functional computes the same values, except that its
 * HSV conversion for the hue reorders a few float operations (an ulp or so). Results are
 * clamped to [0, 1] where torchvision clamps. On one-channel images saturation and hue are
 * identities and grayscale returns a copy, as in torchvision ("match PIL behaviour").
 */
public final class Color {
    /**
     * ITU-R 601 luma weights as torchvision writes them ({@code _rgb_to_grayscale}: 0.2989, not
     * PIL's 0.299); contrast and saturation blend towards this grey.
     */
    private static final float RED = 0.2989f;

    private static final float GREEN = 0.587f;
    private static final float BLUE = 0.114f;

    private Color() {}

    /** {@code adjust_brightness}: {@code factor * x}, clamped. */
    public static Chw adjustBrightness(Chw img, double factor) {
        requireNonNegative("brightness", factor);
        float f = (float) factor;
        float[] src = img.data();
        float[] out = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            out[i] = clamp(f * src[i]);
        }
        return img.with(out);
    }

    /** {@code adjust_contrast}: blend with the mean of the grayscale image (of the image itself if grey). */
    public static Chw adjustContrast(Chw img, double factor) {
        requireNonNegative("contrast", factor);
        float[] grey = img.isRgb() ? luma(img) : img.data();
        double sum = 0;
        for (float v : grey) {
            sum += v;
        }
        float mean = (float) (sum / grey.length);
        float f = (float) factor;
        float offset = (float) (1.0 - factor) * mean;
        float[] src = img.data();
        float[] out = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            out[i] = clamp(f * src[i] + offset);
        }
        return img.with(out);
    }

    /** {@code adjust_saturation}: blend with the grayscale image, pixel by pixel. */
    public static Chw adjustSaturation(Chw img, double factor) {
        requireNonNegative("saturation", factor);
        if (!img.isRgb()) {
            return img.with(img.data().clone());
        }
        float[] grey = luma(img);
        float f = (float) factor;
        float g = (float) (1.0 - factor);
        float[] src = img.data();
        float[] out = new float[src.length];
        int plane = img.plane();
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < plane; p++) {
                out[c * plane + p] = clamp(f * src[c * plane + p] + g * grey[p]);
            }
        }
        return img.with(out);
    }

    /**
     * {@code adjust_hue}: to HSV, hue shifted by {@code factor} in [-0.5, 0.5] turns modulo 1,
     * back to RGB, using torchvision's {@code _rgb2hsv} and {@code _hsv2rgb} (after Pillow's
     * Convert.c: hue and saturation are zero where all channels are equal).
     */
    public static Chw adjustHue(Chw img, double factor) {
        if (!(factor >= -0.5 && factor <= 0.5)) {
            throw new IllegalArgumentException("hue factor " + factor + " is not in [-0.5, 0.5]");
        }
        if (!img.isRgb()) {
            return img.with(img.data().clone());
        }
        float shift = (float) factor;
        float[] src = img.data();
        float[] out = new float[src.length];
        int plane = img.plane();
        for (int p = 0; p < plane; p++) {
            float r = src[p];
            float g = src[plane + p];
            float b = src[2 * plane + p];
            // _rgb2hsv
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            boolean flat = max == min;
            float range = max - min;
            float s = range / (flat ? 1f : max);
            float divisor = flat ? 1f : range;
            // rc, gc, bc = (max - channel) / divisor, computed only where used
            float h;
            if (max == r) {
                h = (max - b) / divisor - (max - g) / divisor;
            } else if (max == g) {
                h = 2f + (max - r) / divisor - (max - b) / divisor;
            } else {
                h = 4f + (max - g) / divisor - (max - r) / divisor;
            }
            // torch's fmod(h / 6 + 1, 1) and remainder(h + shift, 1) without Java's slow float %:
            // both arguments lie in (-1, 2), where x - 1 is exact (Sterbenz), so this is bit-exact.
            h = wrap(h / 6f + 1f);
            h = wrap(h + shift);
            // _hsv2rgb
            float h6 = h * 6f;
            float sector = (float) Math.floor(h6);
            float f = h6 - sector;
            float v = max;
            float pv = clamp(v * (1f - s));
            float qv = clamp(v * (1f - s * f));
            float tv = clamp(v * (1f - s * (1f - f)));
            switch ((int) sector % 6) {
                case 0 -> set(out, p, plane, v, tv, pv);
                case 1 -> set(out, p, plane, qv, v, pv);
                case 2 -> set(out, p, plane, pv, v, tv);
                case 3 -> set(out, p, plane, pv, qv, v);
                case 4 -> set(out, p, plane, tv, pv, v);
                default -> set(out, p, plane, v, pv, qv);
            }
        }
        return img.with(out);
    }

    /**
     * {@code rgb_to_grayscale} keeping the channel count (as {@code RandomGrayscale}): the luma
     * in every channel; a copy of a grey image.
     */
    public static Chw grayscale(Chw img) {
        if (!img.isRgb()) {
            return img.with(img.data().clone());
        }
        float[] grey = luma(img);
        float[] out = new float[img.data().length];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(grey, 0, out, c * grey.length, grey.length);
        }
        return img.with(out);
    }

    /** {@code solarize}: pixels at or above {@code threshold} inverted ({@code 1 - x}). */
    public static Chw solarize(Chw img, double threshold) {
        float t = (float) threshold;
        float[] src = img.data();
        float[] out = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            out[i] = src[i] >= t ? 1f - src[i] : src[i];
        }
        return img.with(out);
    }

    /** x mod 1 for x in (-1, 2). */
    private static float wrap(float x) {
        return x >= 1f ? x - 1f : x < 0f ? x + 1f : x;
    }

    private static void set(float[] out, int p, int plane, float r, float g, float b) {
        out[p] = r;
        out[plane + p] = g;
        out[2 * plane + p] = b;
    }

    /** torchvision's grey plane of an RGB image: {@code 0.2989 r + 0.587 g + 0.114 b}. */
    private static float[] luma(Chw img) {
        float[] src = img.data();
        int plane = img.plane();
        float[] grey = new float[plane];
        for (int p = 0; p < plane; p++) {
            grey[p] = RED * src[p] + GREEN * src[plane + p] + BLUE * src[2 * plane + p];
        }
        return grey;
    }

    private static void requireNonNegative(String what, double factor) {
        if (!(factor >= 0)) {
            throw new IllegalArgumentException(what + " factor " + factor + " is negative");
        }
    }

    private static float clamp(float v) {
        return Math.min(1f, Math.max(0f, v));
    }
}
