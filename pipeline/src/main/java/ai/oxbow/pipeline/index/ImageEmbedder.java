package ai.oxbow.pipeline.index;

import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.pipeline.ops.DecodedImage;
import ai.oxbow.pipeline.ops.ModelImage;
import ai.oxbow.pipeline.ops.ToModelInput;
import java.util.List;

/**
 * Embeds decoded images with one encoder version outside the job (`search --image`, `reindex`,
 * `bench index`), converting them exactly as the job does ({@link ToModelInput}), so a vector
 * made here equals the job's for the same image and version.
 */
public final class ImageEmbedder implements AutoCloseable {
    private final Embedder embedder;
    private final ToModelInput toInput;

    public ImageEmbedder(EncoderSnapshot snapshot) {
        embedder = new Embedder(snapshot);
        toInput = new ToModelInput(snapshot.channels(), snapshot.size());
    }

    public EncoderSnapshot snapshot() {
        return embedder.snapshot();
    }

    /** The image at this encoder's input shape, as it embeds it. */
    public ModelImage input(DecodedImage image) {
        return toInput.map(image);
    }

    /** One vector per image, in the given order; the caller chooses the batch. */
    public float[][] embed(List<DecodedImage> images) {
        int n = images.size();
        float[] flat =
                embedder.embed(ModelImage.batch(images.stream().map(this::input).toList()), n);
        int dim = embedder.dim();
        float[][] vectors = new float[n][dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * dim, vectors[i], 0, dim);
        }
        return vectors;
    }

    @Override
    public void close() {
        embedder.close();
    }
}
