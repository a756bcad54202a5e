package ai.oxbow.model.augment;

import java.io.Serializable;

/**
 * A float image in channel-major (CHW) layout with values in [0, 1], the layout of a torch
 * image tensor. The operations in this package never modify {@code data}: each returns a new
 * image, so a view can be computed from a shared source without copies.
 */
public record Chw(float[] data, int channels, int height, int width) implements Serializable {

    public Chw {
        if (channels < 1 || height < 1 || width < 1 || data.length != channels * height * width) {
            throw new IllegalArgumentException(
                    "bad CHW image: " + data.length + " floats for " + channels + "x" + height + "x" + width);
        }
    }

    /** Pixels per channel. */
    public int plane() {
        return height * width;
    }

    /** An image of the same shape holding {@code pixels}. */
    Chw with(float[] pixels) {
        return new Chw(pixels, channels, height, width);
    }

    /** Three channels are RGB; one channel is grey (colour-only operations are identities on it). */
    boolean isRgb() {
        return channels == 3;
    }
}
