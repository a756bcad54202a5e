package ai.oxbow.model.augment;

/** Conversions between decoded 8-bit images and the float CHW layout the trainer takes. */
public final class Pixels {
    private Pixels() {}

    /**
     * 8-bit HWC samples to float CHW in [0, 1] with the target channel count: grey is
     * replicated to colour, colour becomes grey with ITU-R 601 weights, alpha is dropped.
     */
    public static float[] toChw(byte[] hwc, int height, int width, int channels, int targetChannels) {
        if (channels < 1 || channels > 4 || hwc.length != height * width * channels) {
            throw new IllegalArgumentException("bad image buffer: " + hwc.length + " bytes for "
                    + height + "x" + width + "x" + channels);
        }
        int plane = height * width;
        float[] out = new float[targetChannels * plane];
        for (int p = 0; p < plane; p++) {
            int base = p * channels;
            float r = (hwc[base] & 0xFF) / 255f;
            if (channels < 3) {
                for (int c = 0; c < targetChannels; c++) {
                    out[c * plane + p] = r;
                }
            } else {
                float g = (hwc[base + 1] & 0xFF) / 255f;
                float b = (hwc[base + 2] & 0xFF) / 255f;
                if (targetChannels == 1) {
                    out[p] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    out[p] = r;
                    out[plane + p] = g;
                    out[2 * plane + p] = b;
                }
            }
        }
        return out;
    }

    /**
     * Bilinear resampling (half-pixel centres, as torch's align_corners=False) of the box
     * (top, left, boxH, boxW) of a CHW image to size x size.
     */
    public static float[] cropResize(float[] chw, int channels, int height, int width,
                                     double top, double left, double boxH, double boxW, int size) {
        float[] out = new float[channels * size * size];
        int plane = height * width;
        double sy = boxH / size;
        double sx = boxW / size;
        for (int y = 0; y < size; y++) {
            double fy = Math.min(Math.max(top + (y + 0.5) * sy - 0.5, 0), height - 1);
            int y0 = (int) fy;
            int y1 = Math.min(y0 + 1, height - 1);
            double wy = fy - y0;
            for (int x = 0; x < size; x++) {
                double fx = Math.min(Math.max(left + (x + 0.5) * sx - 0.5, 0), width - 1);
                int x0 = (int) fx;
                int x1 = Math.min(x0 + 1, width - 1);
                double wx = fx - x0;
                for (int c = 0; c < channels; c++) {
                    int o = c * plane;
                    double top2 = chw[o + y0 * width + x0] * (1 - wx) + chw[o + y0 * width + x1] * wx;
                    double bottom = chw[o + y1 * width + x0] * (1 - wx) + chw[o + y1 * width + x1] * wx;
                    out[(c * size + y) * size + x] = (float) (top2 * (1 - wy) + bottom * wy);
                }
            }
        }
        return out;
    }

    /** The whole image resized to size x size (the clean input for embeddings). */
    public static float[] resize(float[] chw, int channels, int height, int width, int size) {
        if (height == size && width == size) {
            return chw;
        }
        return cropResize(chw, channels, height, width, 0, 0, height, width, size);
    }
}
