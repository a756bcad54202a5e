package ai.oxbow.pipeline.demo;

import ai.oxbow.model.cluster.ClusterHead;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.eval.FrozenProbe;
import ai.oxbow.model.eval.Knn;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.bench.Machine;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.Reindex;
import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.kafka.EmbeddedKafka;
import ai.oxbow.pipeline.kafka.TopicReader;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.local.LocalFlink;
import ai.oxbow.pipeline.produce.ImageOrder;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.pipeline.report.Report;
import ai.oxbow.pipeline.report.RunFiles;
import ai.oxbow.pipeline.train.RunDirectory;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.EmbeddingEvent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One demo run, phase by phase: the data, the broker and Flink, producing the stream, the job,
 * collecting its outputs, reindexing with the final version, evaluating the encoder, the report,
 * and the summary line. Each phase adds its figures to the summary, in this order.
 */
final class DemoRun {
    /** Versions on the kNN-over-time curve, and the subset each is probed on. */
    private static final int CURVE_POINTS = 8;

    private static final int CURVE_MEMORY = 5_000;
    private static final int CURVE_QUERIES = 1_000;

    /** The streamed images and the test images the encoder is probed on. */
    private record Images(LabeledImages train, LabeledImages test) {}

    private final Demo.Settings settings;
    private final Path runDir;
    private final Map<String, Object> summary = new LinkedHashMap<>();
    // Wall time counts from the start of this JVM: the whole run, start to summary.
    private final long startMs = ManagementFactory.getRuntimeMXBean().getStartTime();

    DemoRun(Demo.Settings settings) {
        this.settings = settings;
        this.runDir = settings.runDir();
    }

    void run() throws Exception {
        Files.createDirectories(runDir);
        Images images = data();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                LocalFlink flink = LocalFlink.start(settings.webPort(), settings.prometheusPort(), 4)) {
            JobConfig job = brokerAndFlink(kafka, flink);
            long produced = produce(job, images.train());
            JobID id = job(job, flink);
            collect(job, produced, flink.completedCheckpoints(id));
            reindex(job);
        }
        published();
        evaluate(images);
        report();
        summary();
    }

    /** Fashion-MNIST in the chosen order, or generated images when the data set is absent. */
    private Images data() throws IOException {
        TrainerConfig trainer = settings.job().training().trainer();
        Path data = settings.data();
        if (settings.fashionMnist()) {
            LabeledImages train = ImageOrder.order(
                    ImageSources.fashionMnistTrain(data, settings.events()),
                    settings.order(),
                    settings.classesPerBlock(),
                    1);
            Demo.log("streaming " + train.count() + " Fashion-MNIST training images from " + data + " in "
                    + settings.order() + " order");
            return new Images(train, Idx.fashionMnist(data, "t10k"));
        }
        LabeledImages train = ImageOrder.order(
                GeneratedImages.generate(settings.events(), trainer.size(), trainer.channels(), 1),
                settings.order(),
                settings.classesPerBlock(),
                1);
        Demo.log("Fashion-MNIST not found at " + data + " (apt-get install dataset-fashion-mnist): " + "streaming "
                + settings.events() + " generated images instead");
        return new Images(train, GeneratedImages.generate(2_000, trainer.size(), trainer.channels(), 2));
    }

    /** The job on the embedded broker, with its topics. */
    private JobConfig brokerAndFlink(EmbeddedKafka kafka, LocalFlink flink) throws Exception {
        JobConfig job = settings.job().withKafkaClient(kafka.client());
        JobConfig.Kafka topics = job.kafka();
        Topics.create(
                topics.client(),
                Map.of(topics.imagesTopic(), 1, topics.embeddingsTopic(), 1, topics.deadLettersTopic(), 1));
        Demo.log("Kafka (KRaft, in process) at " + topics.client().bootstrap() + "; Flink web UI at " + flink.webUi()
                + "; Prometheus metrics on port " + settings.prometheusPort());
        return job;
    }

    private long produce(JobConfig job, LabeledImages train) {
        long produced = ImageProducer.produce(
                job.kafka().client(),
                job.kafka().imagesTopic(),
                ImageSources.of(train, "fashion-mnist-train"),
                settings.events(),
                settings.rate());
        TrainerConfig trainer = job.training().trainer();
        Demo.log("produced " + produced + " image events; starting the job (" + trainer.method() + ", "
                + trainer.encoder() + ", batch " + job.training().replay().batch() + ")");
        return produced;
    }

    /** Runs the job to the end of the stream. */
    private static JobID job(JobConfig job, LocalFlink flink) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OxbowJob.flinkConfiguration(job));
        OxbowJob.build(env, job);
        JobID id = flink.submit(env);
        flink.await(id);
        return id;
    }

    /** What the job wrote to Kafka, read committed. */
    private void collect(JobConfig job, long produced, long checkpoints) {
        JobConfig.Kafka kafka = job.kafka();
        List<EmbeddingEvent> embeddings =
                TopicReader.readCommitted(kafka.client(), kafka.embeddingsTopic(), EmbeddingEvent.class);
        List<DeadLetter> dead = TopicReader.readCommitted(kafka.client(), kafka.deadLettersTopic(), DeadLetter.class);
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
    }

    /**
     * The stream was embedded as it arrived, mostly by early versions; the final version gets an
     * index of its own, as a user would rebuild one after training.
     */
    private void reindex(JobConfig job) throws IOException {
        EncoderSnapshot last = registry().latest();
        Path finalIndex = finalIndex();
        Map<String, Object> reindexed = Reindex.reindex(
                job.kafka().client(),
                job.kafka().imagesTopic(),
                0,
                Long.MAX_VALUE,
                last,
                finalIndex,
                256,
                job.decoding().decoder(),
                job.embedders().thumbnailSize());
        Demo.log("reindexed the images topic with the final version " + last.version() + " into " + finalIndex);
        summary.put("final_version", last.version());
        summary.put("index_final_docs", reindexed.get("reindexed"));
    }

    /** The versions in the registry and the documents in the job's index. */
    private void published() throws IOException {
        summary.put("model_versions_published", registry().versions().size());
        try (VectorSearch index =
                new VectorSearch(Path.of(settings.job().stores().indexDir()))) {
            summary.put(
                    "index_docs",
                    index.versions().values().stream()
                            .mapToLong(Long::longValue)
                            .sum());
        }
    }

    /**
     * kNN and linear probe of the encoder the embedders got last (the final published version)
     * beside its untrained initialisation and raw pixels; SCAN's clustering; kNN over time.
     */
    private void evaluate(Images images) throws IOException {
        TrainerConfig config = settings.job().training().trainer();
        int classes = settings.job().training().options().classes();
        LabeledImages train = images.train();
        LabeledImages test = images.test();
        try (SslTrainer trained = new SslTrainer(config);
                SslTrainer initial = new SslTrainer(config)) {
            trained.restore(Files.readAllBytes(runDir.resolve("final-state.bin")));
            Map<String, String> stats = RunDirectory.summary(runDir);
            summary.put("steps", trained.steps());
            summary.put("loss_first", trained.stats().lossFirst());
            summary.put("loss_last", trained.stats().lossLast());
            summary.put("train_images_per_s", Double.parseDouble(stats.get("train_images_per_s")));
            summary.put("collapse_std", Double.parseDouble(stats.get("collapse_std")));
            Demo.log("evaluating: kNN (k=" + Knn.K + ", cosine, t=" + Knn.TEMPERATURE + ") and linear probe of "
                    + test.count() + " test images against the " + train.count() + " streamed images");
            FrozenProbe.Scores score = FrozenProbe.encoder(trained, train, test, classes);
            summary.put("knn_top1", score.knnTop1());
            summary.put("linear_top1", score.linearTop1());
            RunFiles.writeEmbeddings(runDir, test.labels(), score.queryFeatures(), trained.embeddingDim(), 2000);
            ClusterHead head = trained.publishedSnapshot().clusterHead();
            if (head != null) {
                summary.putAll(Demo.clustering(head, score.queryFeatures(), test.labels(), classes));
            }
            FrozenProbe.Scores init = FrozenProbe.encoder(initial, train, test, classes);
            summary.put("knn_top1_init", init.knnTop1());
            summary.put("linear_top1_init", init.linearTop1());
            FrozenProbe.Scores pixels = FrozenProbe.pixels(train, test, classes);
            summary.put("knn_top1_pixels", pixels.knnTop1());
            summary.put("linear_top1_pixels", pixels.linearTop1());
            Demo.log("kNN over time: " + CURVE_POINTS + " published versions on " + CURVE_MEMORY + " streamed and "
                    + CURVE_QUERIES + " test images");
            KnnCurve.write(
                    runDir,
                    registry(),
                    train.first(CURVE_MEMORY),
                    test.first(CURVE_QUERIES),
                    classes,
                    startMs,
                    CURVE_POINTS);
        }
    }

    private void report() throws IOException {
        Report.Result report = Report.render(runDir, runDir.resolve("report"), Report.Options.defaults());
        Demo.log("charts of the run in " + report.out());
        summary.put("report", report.out().toString());
    }

    /** The configuration the figures belong to, and the summary as one JSON line. */
    private void summary() {
        JobConfig job = settings.job();
        TrainerConfig trainer = job.training().trainer();
        ReplayConfig replay = job.training().replay();
        summary.put("method", trainer.method());
        summary.put("augment", job.training().augment().name());
        summary.put("views", job.training().augment().views().size());
        summary.put("global_views", job.training().augment().globals());
        summary.put("replay_policy", replay.policy());
        summary.put("replay_size", replay.capacity());
        summary.put("updates_per_event", replay.updatesPerEvent());
        summary.put("order", settings.order());
        summary.put("encoder", trainer.encoder());
        summary.put("batch", replay.batch());
        summary.put("run_dir", runDir.toString());
        summary.put("index", job.stores().indexDir());
        summary.put("index_final", finalIndex().toString());
        summary.put("models", job.stores().modelsDir());
        summary.put("trainer_pace", job.training().options().pace().name().toLowerCase(Locale.ROOT));
        summary.put("wall_s", (System.currentTimeMillis() - startMs) / 1e3);
        summary.put("cpu", Machine.cpu());
        System.out.println(Json.line(summary));
    }

    private ModelRegistry registry() {
        return new ModelRegistry(Path.of(settings.job().stores().modelsDir()));
    }

    private Path finalIndex() {
        return runDir.resolve("index-final");
    }
}
