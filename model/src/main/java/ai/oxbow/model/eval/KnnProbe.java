package ai.oxbow.model.eval;

import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.SslTrainer;

/**
 * The offline kNN probe of `demo` and `bench replay`: a frozen encoder (its published version)
 * embeds a memory (the streamed images) and queries (the test set), scored by {@link Knn#top1}.
 */
public final class KnnProbe {
    private KnnProbe() {}

    /** Top-1 accuracy and the query features it used. */
    public record Score(double top1, float[] queryFeatures) {}

    public static Score encoder(SslTrainer encoder, LabeledImages memory, LabeledImages queries, int classes) {
        float[] q = Features.encode(encoder, queries);
        return new Score(Knn.top1(Features.encode(encoder, memory), memory.labels(), q, queries.labels(),
                encoder.embeddingDim(), classes), q);
    }

    /** The same with raw pixels as features: the baseline any encoder must beat. */
    public static double pixels(LabeledImages memory, LabeledImages queries, int classes) {
        return Knn.top1(Features.pixels(memory), memory.labels(), Features.pixels(queries), queries.labels(),
                memory.height() * memory.width() * memory.channels(), classes);
    }
}
