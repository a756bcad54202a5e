package ai.oxbow.pipeline.bench;

import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.Option;
import ai.oxbow.pipeline.index.ImageEmbedder;
import ai.oxbow.pipeline.index.VectorDoc;
import ai.oxbow.pipeline.index.VectorIndex;
import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.ops.DecodedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * `bench index [--models DIR --version V] [--images 10000] [--queries 1000] [--k 10] [--data DIR] [--threads T]`:
 * HNSW search quality and speed on real embeddings. N Fashion-MNIST training images are embedded
 * (by version V from the registry, or by an untrained small-cnn when no registry is given) and
 * indexed in a temporary directory; for Q test images, the HNSW top-k is compared with the exact
 * (brute-force cosine) top-k: recall@k is the mean fraction of the exact top-k that HNSW returns.
 * Latency is the HNSW search alone, after one untimed pass over the queries (JIT warm-up);
 * index_build_s is upserting and committing, not embedding.
 */
public final class BenchIndex {
    private static final int BATCH = 256;

    private BenchIndex() {}

    static final Option<String> MODELS =
            Option.string("models", "embed with this model registry").computed("raw pixels");
    static final Option<Long> VERSION =
            Option.longInteger("version", "the registry's version").computed("the newest");
    static final Option<Integer> IMAGES =
            Option.integer("images", 10_000, "indexed images").atLeast(1);
    static final Option<Integer> QUERIES =
            Option.integer("queries", 1_000, "queries").atLeast(1);
    static final Option<Integer> K = Option.integer("k", 10, "neighbours").atLeast(1);
    public static final List<Option<?>> OPTIONS =
            List.of(MODELS, VERSION, IMAGES, QUERIES, K, JobOptions.DATA, JobOptions.THREADS);

    public static Command.Run prepare(Args a) {
        String models = a.get(MODELS);
        Long version = a.get(VERSION);
        int images = a.get(IMAGES);
        int queries = a.get(QUERIES);
        int k = a.get(K);
        Path data = Path.of(a.get(JobOptions.DATA));
        if (!Idx.available(data)) {
            throw new IllegalArgumentException(
                    "no Fashion-MNIST in " + data + " (apt-get install dataset-fashion-mnist)");
        }
        if (models == null && version != null) {
            throw new IllegalArgumentException("--version needs --models DIR");
        }
        return () -> bench(models, version, images, queries, k, data);
    }

    private static void bench(String models, Long version, int images, int queries, int k, Path data)
            throws IOException {
        EncoderSnapshot snapshot = snapshot(models, version);
        LabeledImages train = Idx.fashionMnist(data, "train").first(images);
        LabeledImages test = Idx.fashionMnist(data, "t10k").first(queries);
        float[][] trainVectors;
        float[][] queryVectors;
        try (ImageEmbedder embedder = new ImageEmbedder(snapshot)) {
            trainVectors = embed(embedder, train, "train");
            queryVectors = embed(embedder, test, "test");
        }

        Path dir = Files.createTempDirectory("oxbow-bench-index");
        try {
            long buildStart = System.nanoTime();
            try (VectorIndex index = new VectorIndex(dir)) {
                for (int i = 0; i < train.count(); i++) {
                    index.upsert(new VectorDoc(
                            "train-" + i,
                            snapshot.version(),
                            snapshot.method(),
                            snapshot.encoder(),
                            train.labels()[i],
                            0,
                            trainVectors[i],
                            null,
                            VectorDoc.NO_CLUSTER));
                }
                index.commit();
            }
            double buildSeconds = (System.nanoTime() - buildStart) / 1e9;

            double recall = 0;
            double[] latencyMs = new double[queryVectors.length];
            try (VectorSearch search = new VectorSearch(dir)) {
                // One untimed pass first: the percentiles are of a warm JVM, not of JIT compilation.
                for (float[] query : queryVectors) {
                    search.search(query, k, snapshot.version());
                }
                List<List<VectorSearch.Hit>> approx = new ArrayList<>(queryVectors.length);
                for (int q = 0; q < queryVectors.length; q++) {
                    long start = System.nanoTime();
                    approx.add(search.search(queryVectors[q], k, snapshot.version()));
                    latencyMs[q] = (System.nanoTime() - start) / 1e6;
                }
                for (int q = 0; q < queryVectors.length; q++) {
                    Set<String> exact = new HashSet<>();
                    search.exactSearch(queryVectors[q], k, snapshot.version()).forEach(h -> exact.add(h.imageId()));
                    recall += approx.get(q).stream()
                                    .filter(h -> exact.contains(h.imageId()))
                                    .count()
                            / (double) exact.size();
                }
            }
            Arrays.sort(latencyMs);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "index");
            out.put("images", train.count());
            out.put("queries", queryVectors.length);
            out.put("k", k);
            out.put("recall_at_k", recall / queryVectors.length);
            out.put("latency_ms_p50", percentile(latencyMs, 0.50));
            out.put("latency_ms_p99", percentile(latencyMs, 0.99));
            out.put("index_build_s", buildSeconds);
            out.put("model_version", snapshot.version());
            System.out.println(Json.line(out));
        } finally {
            deleteTree(dir);
        }
    }

    /** A registry version, or the initial encoder of a small-cnn trainer (what version 0 of a run is). */
    private static EncoderSnapshot snapshot(String models, Long version) {
        if (models == null) {
            try (SslTrainer trainer = new SslTrainer(TrainerConfig.defaults("mocov2", "small-cnn", 1, 28, 64))) {
                return trainer.publishedSnapshot();
            }
        }
        ModelRegistry registry = new ModelRegistry(Path.of(models));
        return version == null ? registry.latest() : registry.load(version);
    }

    private static float[][] embed(ImageEmbedder embedder, LabeledImages set, String prefix) {
        float[][] vectors = new float[set.count()][];
        List<DecodedImage> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < set.count(); i++) {
            batch.add(new DecodedImage(
                    prefix + "-" + i, 0, set.labels()[i], set.height(), set.width(), set.channels(), set.image(i)));
            if (batch.size() == BATCH || i == set.count() - 1) {
                float[][] v = embedder.embed(batch);
                System.arraycopy(v, 0, vectors, i + 1 - batch.size(), v.length);
                batch.clear();
            }
        }
        return vectors;
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
