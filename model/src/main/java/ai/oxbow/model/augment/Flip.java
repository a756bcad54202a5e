package ai.oxbow.model.augment;

/** Mirror images; torchvision.transforms.v2.functional.horizontal_flip. */
public final class Flip {
    private Flip() {}

    /** The image mirrored left to right. */
    public static Chw horizontal(Chw img) {
        float[] src = img.data();
        float[] out = new float[src.length];
        int w = img.width();
        for (int row = 0; row < src.length; row += w) {
            for (int x = 0; x < w; x++) {
                out[row + x] = src[row + w - 1 - x];
            }
        }
        return img.with(out);
    }
}
