package ai.oxbow.model.eval;

import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.SslTrainer;
import java.util.function.BiFunction;

/** Frozen-encoder features of a labelled image set, for the kNN probe. */
public final class Features {
    private static final int CHUNK = 500;

    private Features() {}

    /** The published encoder's features (inference mode) of every image, row after row. */
    public static float[] encode(SslTrainer trainer, LabeledImages images) {
        return encode(
                images, trainer.config().channels(), trainer.config().size(), trainer.embeddingDim(), trainer::embed);
    }

    /** The same with an encoder version from the model registry. */
    public static float[] encode(Embedder embedder, LabeledImages images) {
        return encode(
                images, embedder.snapshot().channels(), embedder.snapshot().size(), embedder.dim(), embedder::embed);
    }

    private static float[] encode(
            LabeledImages images, int c, int s, int dim, BiFunction<float[], Integer, float[]> embed) {
        float[] out = new float[images.count() * dim];
        for (int start = 0; start < images.count(); start += CHUNK) {
            int n = Math.min(CHUNK, images.count() - start);
            float[] batch = new float[n * c * s * s];
            for (int i = 0; i < n; i++) {
                System.arraycopy(cleanInput(images, start + i, c, s), 0, batch, i * c * s * s, c * s * s);
            }
            System.arraycopy(embed.apply(batch, n), 0, out, start * dim, n * dim);
        }
        return out;
    }

    /** The raw pixels in [0, 1] as features: the baseline any encoder must beat. */
    public static float[] pixels(LabeledImages images) {
        int n = images.height() * images.width() * images.channels();
        float[] out = new float[images.count() * n];
        for (int i = 0; i < images.pixels().length; i++) {
            out[i] = (images.pixels()[i] & 0xFF) / 255f;
        }
        return out;
    }

    private static float[] cleanInput(LabeledImages images, int i, int channels, int size) {
        float[] chw = Pixels.toChw(images.image(i), images.height(), images.width(), images.channels(), channels);
        return Pixels.resize(chw, channels, images.height(), images.width(), size);
    }
}
