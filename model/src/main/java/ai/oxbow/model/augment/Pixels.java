package ai.oxbow.model.augment;

/** Conversions between decoded 8-bit images and the float CHW layout the trainer takes. */
public final class Pixels {
    private Pixels() {}

    /**
     * 8-bit HWC samples to float CHW in [0, 1] with the target channel count: grey is
     * replicated to colour, colour becomes grey with ITU-R 601 weights as PIL's
     * {@code convert("L")} (0.299, 0.587, 0.114: a torchvision pipeline on PIL images sees
     * these), alpha is dropped.
     */
    public static float[] toChw(byte[] hwc, int height, int width, int channels, int targetChannels) {
        if (channels < 1 || channels > 4 || hwc.length != height * width * channels) {
            throw new IllegalArgumentException(
                    "bad image buffer: " + hwc.length + " bytes for " + height + "x" + width + "x" + channels);
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
     * The whole image resized to size x size (the clean input for embeddings) with torchvision's
     * antialiased bilinear {@link Resize}; the input itself when it already has that size.
     */
    public static float[] resize(float[] chw, int channels, int height, int width, int size) {
        if (height == size && width == size) {
            return chw;
        }
        return Resize.resize(new Chw(chw, channels, height, width), size, size).data();
    }

    /** 8-bit samples as floats in [0, 1], layout unchanged. */
    public static float[] unit(byte[] samples) {
        float[] out = new float[samples.length];
        for (int i = 0; i < samples.length; i++) {
            out[i] = (samples[i] & 0xFF) / 255f;
        }
        return out;
    }

    /** Floats in [0, 1] rounded to 8-bit samples, layout unchanged. */
    public static byte[] bytes(float[] unit) {
        byte[] out = new byte[unit.length];
        for (int i = 0; i < unit.length; i++) {
            out[i] = (byte) Math.round(Math.min(1f, Math.max(0f, unit[i])) * 255f);
        }
        return out;
    }
}
