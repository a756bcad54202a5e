package ai.oxbow.model.data;

/**
 * A set of 8-bit images of one size, HWC per image, concatenated, with optional labels
 * (-1 where unknown).
 */
public record LabeledImages(byte[] pixels, int count, int height, int width, int channels, int[] labels) {

    public byte[] image(int i) {
        int n = height * width * channels;
        byte[] out = new byte[n];
        System.arraycopy(pixels, i * n, out, 0, n);
        return out;
    }

    public LabeledImages first(int n) {
        int k = Math.min(n, count);
        int size = height * width * channels;
        byte[] px = new byte[k * size];
        System.arraycopy(pixels, 0, px, 0, k * size);
        int[] lb = new int[k];
        System.arraycopy(labels, 0, lb, 0, k);
        return new LabeledImages(px, k, height, width, channels, lb);
    }
}
