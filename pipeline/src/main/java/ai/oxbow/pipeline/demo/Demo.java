package ai.oxbow.pipeline.demo;

import ai.oxbow.model.cluster.ClusterHead;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.eval.Clustering;
import ai.oxbow.model.eval.FrozenProbe;
import ai.oxbow.model.eval.KMeans;
import ai.oxbow.model.eval.Knn;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.bench.Machine;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.Option;
import ai.oxbow.pipeline.cli.Reindex;
import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.kafka.EmbeddedKafka;
import ai.oxbow.pipeline.kafka.TopicReader;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.local.LocalFlink;
import ai.oxbow.pipeline.ops.ImageDecoder;
import ai.oxbow.pipeline.train.RunDirectory;
import ai.oxbow.pipeline.report.Report;
import ai.oxbow.pipeline.report.RunFiles;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageOrder;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.EmbeddingEvent;

import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * `demo`: everything in one process on real parts. An in-process KRaft broker, N images
 * streamed into it (Fashion-MNIST, or generated images when the data set is absent), the Oxbow
 * job on a Flink MiniCluster (web UI, Prometheus reporter), then the quality protocol: kNN and
 * linear probe of the final encoder against its untrained initialisation and raw pixels, the kNN
 * of published versions over time, and one JSON summary line. With 60,000 events it is the
 * one-pass protocol of README's quality table (`bench quality`).
 */
public final class Demo {
    /** The quality protocol's stream: every Fashion-MNIST training image once. */
    static final int QUALITY_EVENTS = 60_000;
    /** Versions on the kNN-over-time curve, and the subset each is probed on. */
    private static final int CURVE_POINTS = 8;
    private static final int CURVE_MEMORY = 5_000;
    private static final int CURVE_QUERIES = 1_000;

    public static final Option ORDER = Option.string("order", "iid", "iid: file order; sequential: the same"
            + " images in label blocks (classes 0-1, then 2-3, ...), a class-incremental stream")
            .oneOf("iid", "sequential");
    public static final Option CLASSES_PER_BLOCK = Option.integer("classes-per-block", 2,
            "classes in each block of --order sequential").atLeast(1);
    /** `bench quality`'s options: the demo's but --events. */
    public static final List<Option> QUALITY = JobOptions.concat(List.of(ORDER, CLASSES_PER_BLOCK,
            JobOptions.DATA,
            Option.decimal("rate", 0, "events/s produced (0: as fast as possible)").atLeast(0),
            Option.string("out", null, "run directory").computed("runs/demo-TIME"),
            Option.integer("web-port", 8081, "Flink web UI port").atLeast(0),
            Option.integer("prometheus-port", 9249, "Prometheus metrics port").atLeast(0),
            JobOptions.THREADS), JobOptions.ALL, List.of(Args.CONFIG, Args.PRINT_CONFIG));
    public static final List<Option> OPTIONS = JobOptions.concat(
            List.of(Option.integer("events", 20_000, "images streamed").atLeast(1)), QUALITY);

    private Demo() {}

    /**
     * `bench quality`: the one-pass protocol, the demo on all 60,000 Fashion-MNIST training images
     * (streamed once, --order iid or sequential) with every other option at its default unless
     * given; it needs the real data set. It declares no --events: the command line refuses one.
     */
    public static void quality(Args a) throws Exception {
        if (!Idx.available(Path.of(a.get("data")))) {
            throw new IllegalArgumentException("bench quality needs Fashion-MNIST in --data [" + Idx.FASHION_MNIST
                    + "] (apt-get install dataset-fashion-mnist)");
        }
        run(a, QUALITY_EVENTS);
    }

    public static void run(Args a) throws Exception {
        run(a, a.getInt("events"));
    }

    private static void run(Args a, int events) throws Exception {
        // Wall time counts from the start of this JVM: the whole run, start to summary.
        long startMs = ManagementFactory.getRuntimeMXBean().getStartTime();
        int batch = a.getInt("batch");
        ReplayConfig replay = JobOptions.replay(a);
        // The schedules run over the steps the stream will earn.
        long updates = Math.round(events * replay.updatesPerEvent());
        Path data = Path.of(a.get("data"));
        String preset = Idx.available(data) ? "fashion-mnist" : "none";
        TrainerConfig trainerConfig = JobOptions.trainer(a, Math.max(1, updates / batch), true, preset);
        JobConfig cfg = JobOptions.job(a, trainerConfig, preset);
        String order = a.get("order");
        int perBlock = a.getInt("classes-per-block");
        int webPort = a.getInt("web-port");
        String promPort = a.get("prometheus-port");
        Path runDir = Path.of(a.get("out", "runs/demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        double rate = a.getDouble("rate");

        Files.createDirectories(runDir);
        cfg.runDir = runDir.toAbsolutePath().toString();
        cfg.checkpointDir = runDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
        cfg.bounded = true;
        cfg.expectedImages = updates;
        cfg.modelsDir = runDir.resolve("models").toAbsolutePath().toString();
        cfg.indexDir = runDir.resolve("index").toAbsolutePath().toString();

        LabeledImages train;
        LabeledImages test;
        if (Idx.available(data)) {
            train = ImageOrder.order(ImageSources.fashionMnistTrain(data, events), order, perBlock, 1);
            test = Idx.fashionMnist(data, "t10k");
            log("streaming " + train.count() + " Fashion-MNIST training images from " + data + " in " + order + " order");
        } else {
            train = ImageOrder.order(GeneratedImages.generate(events, trainerConfig.size(), trainerConfig.channels(), 1),
                    order, perBlock, 1);
            test = GeneratedImages.generate(2_000, trainerConfig.size(), trainerConfig.channels(), 2);
            log("Fashion-MNIST not found at " + data + " (apt-get install dataset-fashion-mnist): "
                    + "streaming " + events + " generated images instead");
        }

        Map<String, Object> summary = new LinkedHashMap<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             LocalFlink flink = LocalFlink.start(webPort, promPort, 4)) {
            cfg.kafka = kafka.client();
            Topics.create(cfg.kafka, Map.of(cfg.imagesTopic, 1, cfg.embeddingsTopic, 1, cfg.deadLettersTopic, 1));
            log("Kafka (KRaft, in process) at " + cfg.kafka.bootstrap() + "; Flink web UI at " + flink.webUi()
                    + "; Prometheus metrics on port " + promPort);
            long produced = ImageProducer.produce(cfg.kafka, cfg.imagesTopic,
                    ImageSources.of(train, "fashion-mnist-train"), events, rate);
            log("produced " + produced + " image events; starting the job (" + trainerConfig.method() + ", "
                    + trainerConfig.encoder() + ", batch " + batch + ")");

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                    OxbowJob.flinkConfiguration(cfg));
            OxbowJob.build(env, cfg);
            JobID job = flink.submit(env);
            flink.await(job);
            long checkpoints = flink.completedCheckpoints(job);

            List<EmbeddingEvent> embeddings = TopicReader.readCommitted(cfg.kafka, cfg.embeddingsTopic,
                    EmbeddingEvent.class);
            List<DeadLetter> dead = TopicReader.readCommitted(cfg.kafka, cfg.deadLettersTopic,
                    DeadLetter.class);
            Set<String> ids = new HashSet<>();
            embeddings.forEach(e -> ids.add(e.getImageId()));
            summary.put("events_in", produced);
            summary.put("embeddings_out", embeddings.size());
            summary.put("distinct_embedded_ids", ids.size());
            summary.put("dead_letters", dead.size());
            summary.put("checkpoints", checkpoints);
            Set<Long> versions = new HashSet<>();
            embeddings.forEach(e -> versions.add(e.getModelVersion()));
            summary.put("model_versions_used", versions.size());
            // The stream was embedded as it arrived, mostly by early versions; the final version
            // gets an index of its own, as a user would rebuild one after training.
            EncoderSnapshot last = new ModelRegistry(Path.of(cfg.modelsDir)).latest();
            Path finalIndex = runDir.resolve("index-final");
            Map<String, Object> reindexed = Reindex.reindex(cfg.kafka, cfg.imagesTopic, 0, Long.MAX_VALUE,
                    last, finalIndex, 256, new ImageDecoder(cfg.maxPixels, cfg.maxEncodedBytes), cfg.thumbnailSize);
            log("reindexed the images topic with the final version " + last.version() + " into " + finalIndex);
            summary.put("final_version", last.version());
            summary.put("index_final_docs", reindexed.get("reindexed"));
        }
        summary.put("model_versions_published", new ModelRegistry(Path.of(cfg.modelsDir)).versions().size());
        try (VectorSearch index = new VectorSearch(Path.of(cfg.indexDir))) {
            summary.put("index_docs", index.versions().values().stream().mapToLong(Long::longValue).sum());
        }

        try (SslTrainer trained = new SslTrainer(trainerConfig); SslTrainer initial = new SslTrainer(trainerConfig)) {
            // The encoder evaluated is the one the embedders got last: the final published version.
            trained.restore(Files.readAllBytes(runDir.resolve("final-state.bin")));
            Map<String, String> stats = RunDirectory.summary(runDir);
            summary.put("steps", trained.steps());
            summary.put("loss_first", trained.stats().lossFirst());
            summary.put("loss_last", trained.stats().lossLast());
            summary.put("train_images_per_s", Double.parseDouble(stats.get("train_images_per_s")));
            summary.put("collapse_std", Double.parseDouble(stats.get("collapse_std")));
            log("evaluating: kNN (k=" + Knn.K + ", cosine, t=" + Knn.TEMPERATURE + ") and linear probe of "
                    + test.count() + " test images against the " + train.count() + " streamed images");
            int classes = 10;
            FrozenProbe.Scores score = FrozenProbe.encoder(trained, train, test, classes);
            summary.put("knn_top1", score.knnTop1());
            summary.put("linear_top1", score.linearTop1());
            RunFiles.writeEmbeddings(runDir, test.labels(), score.queryFeatures(), trained.embeddingDim(), 2000);
            ClusterHead head = trained.publishedSnapshot().clusterHead();
            if (head != null) {
                summary.putAll(clustering(head, score.queryFeatures(), test.labels(), classes));
            }
            FrozenProbe.Scores init = FrozenProbe.encoder(initial, train, test, classes);
            summary.put("knn_top1_init", init.knnTop1());
            summary.put("linear_top1_init", init.linearTop1());
            FrozenProbe.Scores pixels = FrozenProbe.pixels(train, test, classes);
            summary.put("knn_top1_pixels", pixels.knnTop1());
            summary.put("linear_top1_pixels", pixels.linearTop1());
            log("kNN over time: " + CURVE_POINTS + " published versions on " + CURVE_MEMORY + " streamed and "
                    + CURVE_QUERIES + " test images");
            KnnCurve.write(runDir, new ModelRegistry(Path.of(cfg.modelsDir)), train.first(CURVE_MEMORY),
                    test.first(CURVE_QUERIES), classes, startMs, CURVE_POINTS);
        }
        Report.Result report = Report.render(runDir, runDir.resolve("report"), Report.Options.defaults());
        log("charts of the run in " + report.out());
        summary.put("report", report.out().toString());
        summary.put("method", trainerConfig.method());
        summary.put("augment", cfg.augment.name());
        summary.put("views", cfg.augment.views().size());
        summary.put("global_views", cfg.augment.globals());
        summary.put("replay_policy", replay.policy());
        summary.put("replay_size", replay.capacity());
        summary.put("updates_per_event", replay.updatesPerEvent());
        summary.put("order", order);
        summary.put("encoder", trainerConfig.encoder());
        summary.put("batch", batch);
        summary.put("run_dir", runDir.toString());
        summary.put("index", cfg.indexDir);
        summary.put("index_final", runDir.resolve("index-final").toString());
        summary.put("models", cfg.modelsDir);
        summary.put("trainer_pace", cfg.trainerPace.name().toLowerCase(java.util.Locale.ROOT));
        summary.put("wall_s", (System.currentTimeMillis() - startMs) / 1e3);
        summary.put("cpu", Machine.cpu());
        System.out.println(Json.line(summary));
    }

    /**
     * SCAN's figures on the test set by the published head (accuracy under the best one-to-one
     * map, NMI, ARI) beside k-means with as many clusters on the same features, l2-normalised
     * (k-means++ seeds, 100 Lloyd steps, seed 0): what the head must beat.
     */
    static Map<String, Object> clustering(ClusterHead head, float[] features, int[] labels, int classes) {
        int n = labels.length;
        int k = head.clusters();
        int[] scan = head.assign(features, n).clusters();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(features, i * head.dim(), (i + 1) * head.dim());
            double norm = 0;
            for (float v : rows[i]) {
                norm += v * v;
            }
            for (int d = 0; d < rows[i].length; d++) {
                rows[i][d] /= (float) Math.max(Math.sqrt(norm), 1e-12);
            }
        }
        int[] kmeans = KMeans.cluster(rows, k, 100, 0);
        Map<String, Object> out = new LinkedHashMap<>();
        int square = Math.max(k, classes);
        out.put("scan_clusters", k);
        out.put("scan_accuracy", Clustering.accuracy(scan, labels, square));
        out.put("scan_nmi", Clustering.nmi(scan, labels, k, classes));
        out.put("scan_ari", Clustering.ari(scan, labels, k, classes));
        out.put("kmeans_accuracy", Clustering.accuracy(kmeans, labels, square));
        out.put("kmeans_nmi", Clustering.nmi(kmeans, labels, k, classes));
        out.put("kmeans_ari", Clustering.ari(kmeans, labels, k, classes));
        return out;
    }

    static void log(String line) {
        System.err.println("[oxbow] " + line);
    }
}
