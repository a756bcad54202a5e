package ai.oxbow.model.augment;

/**
 * Bilinear resampling with antialiasing, as torchvision's
 * {@code resized_crop(..., interpolation=BILINEAR, antialias=True)} on float tensors, which
 * calls torch's {@code interpolate(mode="bilinear", align_corners=False, antialias=True)}.
 *
 * <p>That is PIL's separable triangle filter: output pixel {@code i} of an axis scaled by
 * {@code s = in / out} is centred at {@code s (i + 0.5)} in input coordinates, and averages the
 * input pixels within {@code max(s, 1)} of it with weights {@code 1 - |d| / max(s, 1)},
 * renormalised to sum to one. When downscaling the support grows with the factor, so every
 * input pixel contributes (no aliasing); when upscaling ({@code s <= 1}) the weights are exactly
 * those of plain bilinear interpolation with half-pixel centres and edge clamping. The width is
 * resampled first, then the height, as torch's separable kernel does.
 */
public final class Resize {
    private Resize() {}

    /** The whole image resized to outHeight x outWidth. */
    public static Chw resize(Chw img, int outHeight, int outWidth) {
        return resizedCrop(img, CropBox.whole(img.height(), img.width()), outHeight, outWidth);
    }

    /**
     * The box (which must lie inside the image) resized to outHeight x outWidth: torchvision's
     * {@code resized_crop(img, top, left, height, width, size)}. Always a new array.
     */
    public static Chw resizedCrop(Chw img, CropBox box, int outHeight, int outWidth) {
        if (box.top() < 0
                || box.left() < 0
                || box.height() < 1
                || box.width() < 1
                || box.top() + box.height() > img.height()
                || box.left() + box.width() > img.width()) {
            throw new IllegalArgumentException(box + " is not inside " + img.height() + "x" + img.width());
        }
        Taps columns = new Taps(box.width(), outWidth);
        Taps rows = new Taps(box.height(), outHeight);
        int channels = img.channels();
        float[] src = img.data();
        // Horizontal pass over the box's rows: channels x box.height() x outWidth.
        float[] wide = new float[channels * box.height() * outWidth];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < box.height(); y++) {
                int in = (c * img.height() + box.top() + y) * img.width() + box.left();
                int out = (c * box.height() + y) * outWidth;
                for (int x = 0; x < outWidth; x++) {
                    wide[out + x] = columns.apply(src, in, x);
                }
            }
        }
        // Vertical pass: each output row is a weighted sum of whole rows.
        float[] dst = new float[channels * outHeight * outWidth];
        Lines lines = new Lines();
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outHeight; y++) {
                lines.weightedSum(
                        wide,
                        (c * box.height() + rows.start[y]) * outWidth,
                        outWidth,
                        rows.weights,
                        y * rows.stride,
                        rows.count[y],
                        dst,
                        (c * outHeight + y) * outWidth,
                        outWidth);
            }
        }
        return new Chw(dst, channels, outHeight, outWidth);
    }

    /**
     * The filter taps of one axis, computed once per call as torch's
     * {@code _compute_weights_aa} does, in float with its double intermediates: for output
     * {@code i}, input indices {@code start[i] .. start[i] + count[i] - 1} with normalised weights.
     */
    private static final class Taps {
        final int[] start;
        final int[] count;
        final float[] weights;
        final int stride;

        Taps(int in, int out) {
            float scale = (float) in / out;
            float support = scale >= 1 ? scale : 1f;
            float invScale = scale >= 1 ? (float) (1.0 / scale) : 1f;
            stride = (int) Math.ceil(support) * 2 + 1;
            start = new int[out];
            count = new int[out];
            weights = new float[out * stride];
            for (int i = 0; i < out; i++) {
                float centre = (float) (scale * (i + 0.5));
                // C++ casts truncate toward zero, as torch's do.
                int min = Math.max((int) (centre - support + 0.5), 0);
                int size = Math.min((int) (centre + support + 0.5), in) - min;
                float total = 0;
                for (int j = 0; j < size; j++) {
                    float w = triangle((float) ((j + min - centre + 0.5) * invScale));
                    weights[i * stride + j] = w;
                    total += w;
                }
                start[i] = min;
                count[i] = size;
                for (int j = 0; j < size; j++) {
                    weights[i * stride + j] /= total;
                }
            }
        }

        /** The bilinear (triangle) filter, torch's {@code aa_filter}. */
        private static float triangle(float x) {
            return (float) Math.max(0, 1.0 - Math.abs(x));
        }

        /** Output {@code i} of the line that starts at {@code offset} in {@code src}. */
        float apply(float[] src, int offset, int i) {
            float sum = 0;
            int base = offset + start[i];
            int w = i * stride;
            for (int t = 0; t < count[i]; t++) {
                sum += weights[w + t] * src[base + t];
            }
            return sum;
        }
    }
}
