package ai.oxbow.pipeline.cli;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.train.TrainerOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line options shared by `demo`, `run`, `submit` and the benches: method, encoder, batch, schedule, job. */
public final class JobOptions {
    private JobOptions() {}

    private static final JobConfig JOB = new JobConfig();
    private static final ReplayConfig REPLAY = ReplayConfig.defaults(64);

    /** PyTorch intra-op threads; Oxbow.main reads it before the engine starts. */
    public static final Option THREADS = Option.integer("threads", 0,
            "PyTorch intra-op threads (results are bitwise reproducible for a fixed count)").computed("cores")
            .atLeast(1);
    public static final Option DATA = Option.string("data", ai.oxbow.model.data.Idx.FASHION_MNIST.toString(),
            "Fashion-MNIST directory (Debian's dataset-fashion-mnist)");

    /** What defines the trainer and its views: {@link #trainer}, {@link #recipe}. */
    public static final List<Option> TRAINER = List.of(
            Option.string("method", Methods.DEFAULT, "self-supervised method, see Methods")
                    .oneOf(Methods.NAMES.toArray(String[]::new)),
            Option.string("method-options", "", "any option of the method as k=v,... (keys in the Methods table;"
                    + " every method takes view_forward=each|joint); an unknown key is an error"),
            Option.string("encoder", "small-cnn", "backbone").oneOf(Encoders.NAMES.toArray(String[]::new)),
            Option.integer("batch", 64, "training batch size B (images per step, every view of each)").atLeast(1),
            Option.integer("size", 28, "trainer input side in pixels (images are resized)").atLeast(4),
            Option.integer("channels", 1, "trainer input channels: 1 or 3 (grey <-> colour, ITU-R 601)").atLeast(1),
            Option.string("optimizer", null, "optimiser; lars: trust 0.02, biases and norm parameters excluded")
                    .computed("the method's").oneOf("sgd", "lars", "adamw"),
            Option.decimal("lr", 0, "peak learning rate").computed("the method's base x B / 256").atLeast(0),
            Option.decimal("weight-decay", 0, "weight decay").computed("the method's").atLeast(0),
            Option.string("schedule", null, "after linear warm-up: constant, or cosine decay to 0 at the horizon")
                    .computed("constant; demo, bench quality/offline/replay: cosine").oneOf("cosine", "constant"),
            Option.longInteger("warmup-steps", 0, "linear LR warm-up in steps").computed("min(100, horizon / 10)")
                    .atLeast(0),
            Option.longInteger("horizon-steps", 0, "length of the cosine LR and EMA-momentum schedules in steps")
                    .computed("10000; demo: events x updates per event / batch").atLeast(1),
            Option.longInteger("seed", 42, "weight initialisation seed"),
            Option.decimal("temperature", 0, "method option temperature (also in --method-options)")
                    .computed("the method's"),
            Option.integer("queue-size", 0, "method option queue_size (MoCo, SwAV)").computed("the method's"),
            Option.integer("support-size", 0, "method option support_size (NNCLR)").computed("the method's"),
            Option.string("augment", null, "augmentation recipe").computed("the method's")
                    .oneOf(Recipe.NAMES.toArray(String[]::new)),
            Option.string("augment-options", "", "recipe options k=v,..., including views=N and local_crops=M"
                    + " (see Augmentation), over the method's"),
            Option.string("augment-preset", null, "input preset")
                    .computed("fashion-mnist where the data set is used, else none"),
            Option.longInteger("augment-seed", JOB.augmentSeed, "augmentation views seed"),
            Option.integer("scan-clusters", 0, "SCAN: a clustering head of K clusters on the backbone's features;"
                    + " every embedding carries its cluster (0 = off)").atLeast(0),
            Option.flag("scan-self-label", false, "SCAN's self-labelling beside its loss (with --scan-clusters)"));

    /** The replay buffer and training schedule: {@link #replay}. */
    public static final List<Option> REPLAY_OPTIONS = List.of(
            Option.string("replay-policy", REPLAY.policy(), "replay buffer: fifo keeps the newest, reservoir a uniform"
                    + " sample of the stream, minred evicts the most redundant")
                    .oneOf(ReplayConfig.POLICIES.toArray(String[]::new)),
            Option.integer("replay-size", REPLAY.capacity(), "replay buffer capacity in images").atLeast(1),
            Option.decimal("updates-per-event", 0, "u: each event earns u samples of training (u / B steps)")
                    .computed("the method's").atLeast(0),
            Option.decimal("new-fraction", REPLAY.newFraction(),
                    "share of each batch from the newest images not trained yet"),
            Option.longInteger("replay-seed", REPLAY.seed(), "replay sampling seed"));

    /** Options of the job itself: {@link #job}. */
    public static final List<Option> JOB_OPTIONS = List.of(
            Option.string("trainer-pace", "backpressure", "backpressure: the trainer reads the topic at its own pace"
                    + " (every event trained); sample: it takes the shared stream and drops what it cannot train on")
                    .oneOf("backpressure", "sample"),
            Option.integer("view-threads", JOB.viewThreads,
                    "threads drawing the next step's views while a step trains (0: the training thread)").atLeast(0),
            Option.integer("parallelism", JOB.parallelism, "decode parallelism (the trainer and the index sink run"
                    + " with 1)").atLeast(1),
            Option.integer("embedder-parallelism", JOB.embedderParallelism, "embedder subtasks").atLeast(1),
            Option.integer("embed-batch", JOB.embedBatch, "embedder batch size").atLeast(1),
            Option.longInteger("embed-max-wait-ms", JOB.embedMaxWaitMs, "the longest an image waits for an embedder"
                    + " batch").atLeast(0),
            Option.integer("thumbnail-size", JOB.thumbnailSize, "PNG thumbnail side carried by each embedding into"
                    + " the index (serve's page); 0 = none").atLeast(0),
            Option.string("models-dir", null, "model registry: every published version as v<version>.oxm")
                    .computed("demo: <run dir>/models; else off"),
            Option.string("index-dir", null, "Lucene HNSW index of the embeddings, committed with checkpoints")
                    .computed("demo: <run dir>/index; else off"),
            Option.integer("schema-registry-id", JOB.schemaRegistryId, "Confluent wire format with this schema id"
                    + " (-1: raw Avro)"),
            Option.longInteger("checkpoint-interval-ms", JOB.checkpointIntervalMs, "Flink checkpoints (exactly-once);"
                    + " embeddings become visible in Kafka at each").atLeast(1),
            Option.string("images-topic", JOB.imagesTopic, "Kafka topic of image events"),
            Option.string("embeddings-topic", JOB.embeddingsTopic, "Kafka topic of embeddings"),
            Option.string("dead-letters-topic", JOB.deadLettersTopic, "Kafka topic of dead letters"),
            Option.string("group-id", JOB.groupId, "Kafka consumer group"),
            Option.longInteger("progress-interval-ms", JOB.progressIntervalMs, "progress line, CSV rows and the"
                    + " quality probe every so often").atLeast(1),
            Option.longInteger("max-pixels", JOB.maxPixels, "decode limit (decompression bombs)").atLeast(1),
            Option.integer("max-encoded-bytes", JOB.maxEncodedBytes, "largest encoded image accepted").atLeast(1),
            Option.longInteger("publish-every-steps", JOB.publishEverySteps, "publish an encoder version every K"
                    + " steps (0 = off)").atLeast(0),
            Option.longInteger("publish-every-ms", JOB.publishEveryMs, "publish an encoder version every T ms"
                    + " (0 = off)").atLeast(0),
            Option.decimal("collapse-threshold", JOB.collapseThreshold, "collapse alarm when collapse_std <"
                    + " threshold x 1/sqrt(d)").atLeast(0),
            Option.flag("hold-on-collapse", JOB.holdOnCollapse, "hold the published version while the alarm is on"),
            Option.integer("classes", JOB.classes, "label classes of the online kNN probe").atLeast(1));

    /** Kafka client properties for every client the command makes. */
    public static final List<Option> KAFKA = List.of(
            Option.list(Args.KAFKA_PROPERTY, "a Kafka client property k=v for every client (source, sinks, admin),"
                    + " e.g. security.protocol=SASL_SSL; repeatable; wins over --kafka-config"),
            Option.string("kafka-config", null, "a Kafka client properties file (as kafka-console-producer's"
                    + " --producer.config)").computed("none"));

    public static final Option BOOTSTRAP = Option.string("bootstrap", JOB.kafka.bootstrap(),
            "Kafka bootstrap servers HOST:PORT[,HOST:PORT...]");

    /** Every option {@link #job} reads, with the trainer's and replay's. */
    public static final List<Option> ALL = concat(TRAINER, REPLAY_OPTIONS, JOB_OPTIONS);

    /** How to reach Kafka: --bootstrap, --kafka-config and --kafka-property (these win). */
    public static KafkaClient kafka(Args a) {
        String file = a.get("kafka-config");
        return KafkaClient.of(a.get("bootstrap"), a.getList(Args.KAFKA_PROPERTY), file == null ? null : Path.of(file));
    }

    @SafeVarargs
    public static List<Option> concat(List<Option>... lists) {
        List<Option> out = new ArrayList<>();
        for (List<Option> l : lists) {
            out.addAll(l);
        }
        return List.copyOf(out);
    }

    /**
     * @param defaultHorizon horizon of the LR and EMA schedules in steps when --horizon-steps is
     *                       not given
     * @param defaultPreset  the augmentation preset when --augment-preset is not given
     * @return the trainer, for batches with the global views of the recipe ({@link #recipe})
     */
    public static TrainerConfig trainer(Args a, long defaultHorizon, boolean defaultCosine, String defaultPreset) {
        String method = a.get("method");
        int batch = a.getInt("batch");
        TrainerConfig d = TrainerConfig.defaults(method, a.get("encoder"), a.getInt("channels"), a.getInt("size"),
                batch);
        long horizon = a.getLong("horizon-steps", defaultHorizon);
        // Any method option as key=value pairs; the three common ones also have flags of their own.
        HashMap<String, String> options = new HashMap<>(Recipe.parseOptions(a.get("method-options")));
        for (String key : new String[] {"temperature", "queue-size", "support-size"}) {
            if (a.has(key)) {
                options.put(key.replace('-', '_'), a.get(key));
            }
        }
        Methods.checkOptions(method, options);
        boolean cosine = a.get("schedule", defaultCosine ? "cosine" : "constant").equals("cosine");
        TrainerConfig.Builder b = d.withOptions(options).toBuilder();
        b.seed = a.getLong("seed");
        b.optimizer = a.get("optimizer", d.optimizer());
        b.weightDecay = (float) a.getDouble("weight-decay", d.weightDecay());
        b.scanClusters = a.getInt("scan-clusters");
        if (b.scanClusters == 1) {
            throw new IllegalArgumentException("--scan-clusters must be 0 (off) or at least 2, not 1");
        }
        b.scanSelfLabel = a.getBoolean("scan-self-label");
        TrainerConfig config = b.build().withSchedule((float) a.getDouble("lr", d.learningRate()),
                a.getLong("warmup-steps", Math.min(d.warmupSteps(), Math.max(1, horizon / 10))), horizon, cosine);
        return config.withGlobalViews(recipe(a, config, defaultPreset).globals());
    }

    /**
     * The augmentation recipe: the method's default recipe (see {@link Methods#defaults}) unless
     * --augment names another, with the method's default recipe options under --augment-options.
     */
    public static Recipe recipe(Args a, TrainerConfig trainer, String defaultPreset) {
        Methods.Defaults d = Methods.defaults(trainer.method());
        String name = a.get("augment", d.recipe());
        Map<String, String> options = new HashMap<>(name.equals(d.recipe()) ? Recipe.parseOptions(d.recipeOptions())
                : Map.of());
        options.putAll(Recipe.parseOptions(a.get("augment-options")));
        return Recipe.parse(name, a.get("augment-preset", defaultPreset), trainer.size(), trainer.channels(), options);
    }

    /** The replay buffer and training schedule. */
    public static ReplayConfig replay(Args a) {
        double u = Methods.defaults(a.get("method")).updatesPerEvent();
        return new ReplayConfig(a.get("replay-policy"), a.getInt("replay-size"), a.getDouble("updates-per-event", u),
                a.getDouble("new-fraction"), a.getInt("batch"), a.getLong("replay-seed"));
    }

    /** Job options common to `demo` and `run`. */
    public static JobConfig job(Args a, TrainerConfig trainer, String defaultPreset) {
        JobConfig cfg = new JobConfig();
        cfg.trainer = trainer;
        cfg.augment = recipe(a, trainer, defaultPreset);
        cfg.replay = replay(a);
        cfg.parallelism = a.getInt("parallelism");
        cfg.embedderParallelism = a.getInt("embedder-parallelism");
        cfg.embedBatch = a.getInt("embed-batch");
        cfg.embedMaxWaitMs = a.getLong("embed-max-wait-ms");
        cfg.thumbnailSize = a.getInt("thumbnail-size");
        cfg.trainerPace = TrainerOptions.Pace.parse(a.get("trainer-pace"));
        cfg.viewThreads = a.getInt("view-threads");
        cfg.modelsDir = a.get("models-dir");
        cfg.indexDir = a.get("index-dir");
        cfg.schemaRegistryId = a.getInt("schema-registry-id");
        cfg.checkpointIntervalMs = a.getLong("checkpoint-interval-ms");
        cfg.augmentSeed = a.getLong("augment-seed");
        cfg.imagesTopic = a.get("images-topic");
        cfg.embeddingsTopic = a.get("embeddings-topic");
        cfg.deadLettersTopic = a.get("dead-letters-topic");
        cfg.groupId = a.get("group-id");
        cfg.progressIntervalMs = a.getLong("progress-interval-ms");
        cfg.maxPixels = a.getLong("max-pixels");
        cfg.maxEncodedBytes = a.getInt("max-encoded-bytes");
        cfg.publishEverySteps = a.getLong("publish-every-steps");
        cfg.publishEveryMs = a.getLong("publish-every-ms");
        cfg.collapseThreshold = a.getDouble("collapse-threshold");
        cfg.holdOnCollapse = a.getBoolean("hold-on-collapse");
        cfg.classes = a.getInt("classes");
        return cfg;
    }
}
