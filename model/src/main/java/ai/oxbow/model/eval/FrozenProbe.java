package ai.oxbow.model.eval;

import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.SslTrainer;

/**
 * The offline probes of `demo` and the benchmarks: a frozen encoder (its published version, in
 * inference mode, on the full clean image) embeds a memory (the training images) and queries
 * (the test set), scored by the weighted kNN ({@link Knn#top1}) and the linear probe
 * ({@link LinearProbe#top1}) fitted on the memory.
 */
public final class FrozenProbe {
    private FrozenProbe() {}

    /** kNN and linear-probe top-1, and the query features they used. */
    public record Scores(double knnTop1, double linearTop1, float[] queryFeatures) {}

    public static Scores encoder(SslTrainer encoder, LabeledImages memory, LabeledImages queries, int classes) {
        float[] m = Features.encode(encoder, memory);
        float[] q = Features.encode(encoder, queries);
        int dim = encoder.embeddingDim();
        return new Scores(
                Knn.top1(m, memory.labels(), q, queries.labels(), dim, classes),
                LinearProbe.top1(m, memory.labels(), q, queries.labels(), dim, classes),
                q);
    }

    /** kNN top-1 only of a registry version, for curves over many versions. */
    public static double knn(Embedder encoder, LabeledImages memory, LabeledImages queries, int classes) {
        return Knn.top1(
                Features.encode(encoder, memory),
                memory.labels(),
                Features.encode(encoder, queries),
                queries.labels(),
                encoder.dim(),
                classes);
    }

    /** The same probes with raw pixels as features: the baseline any encoder must beat. */
    public static Scores pixels(LabeledImages memory, LabeledImages queries, int classes) {
        float[] m = Features.pixels(memory);
        float[] q = Features.pixels(queries);
        int dim = memory.height() * memory.width() * memory.channels();
        return new Scores(
                Knn.top1(m, memory.labels(), q, queries.labels(), dim, classes),
                LinearProbe.top1(m, memory.labels(), q, queries.labels(), dim, classes),
                q);
    }
}
