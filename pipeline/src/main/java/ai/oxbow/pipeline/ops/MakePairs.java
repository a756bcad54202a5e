package ai.oxbow.pipeline.ops;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Pixels;

import org.apache.flink.api.common.functions.MapFunction;

/** Converts to the configured channels and size and draws two views, seeded by the image id. */
public final class MakePairs implements MapFunction<DecodedImage, TrainingPair> {
    private final Augmenter augmenter;
    private final int channels;
    private final int size;

    public MakePairs(Augmenter augmenter, int channels, int size) {
        if (augmenter.views() != 2) {
            throw new IllegalArgumentException("recipe " + augmenter.recipe().name() + " makes " + augmenter.views()
                    + " views; the trainer takes two (multi-crop is not wired in yet: use local_crops=0)");
        }
        this.augmenter = augmenter;
        this.channels = channels;
        this.size = size;
    }

    @Override
    public TrainingPair map(DecodedImage img) {
        float[] chw = Pixels.toChw(img.pixels, img.height, img.width, img.channels, channels);
        return new TrainingPair(img.id, img.eventTime, img.label,
                Pixels.resize(chw, channels, img.height, img.width, size),
                augmenter.view(chw, channels, img.height, img.width, img.id, 0),
                augmenter.view(chw, channels, img.height, img.width, img.id, 1));
    }
}
