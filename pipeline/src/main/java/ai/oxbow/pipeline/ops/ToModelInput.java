package ai.oxbow.pipeline.ops;

import ai.oxbow.model.augment.Pixels;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Converts a decoded image to the encoder's channels and size (antialiased resize), rounded
 * back to 8 bits. At the native size (Fashion-MNIST at 28) this is exact.
 */
public final class ToModelInput implements MapFunction<DecodedImage, ModelImage> {
    private final int channels;
    private final int size;

    public ToModelInput(int channels, int size) {
        this.channels = channels;
        this.size = size;
    }

    @Override
    public ModelImage map(DecodedImage img) {
        float[] chw = Pixels.toChw(img.pixels, img.height, img.width, img.channels, channels);
        float[] resized = Pixels.resize(chw, channels, img.height, img.width, size);
        return new ModelImage(img.id, img.eventTime, img.label, Pixels.bytes(resized));
    }
}
