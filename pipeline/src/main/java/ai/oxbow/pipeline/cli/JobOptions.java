package ai.oxbow.pipeline.cli;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.util.KeyValues;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.train.TrainerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options shared by `demo`, `run`, `submit` and the benches (method, encoder, batch,
 * schedule, job), and the parts of {@link JobConfig} built from them: each part from the options
 * in one method here.
 */
public final class JobOptions {
    private JobOptions() {}

    private static final ReplayConfig REPLAY = ReplayConfig.defaults(64);
    private static final JobConfig.Kafka KAFKA_DEFAULTS = JobConfig.Kafka.DEFAULTS;
    private static final TrainerOptions TRAINER_DEFAULTS = JobConfig.Training.DEFAULT_OPTIONS;

    /** PyTorch intra-op threads; Oxbow.main reads it before the engine starts. */
    public static final Option<Integer> THREADS = Option.integer(
                    "threads", "PyTorch intra-op threads (results are bitwise reproducible for a fixed count)")
            .computed("cores")
            .atLeast(1);

    public static final Option<String> DATA = Option.string(
            "data",
            ai.oxbow.model.data.Idx.FASHION_MNIST.toString(),
            "Fashion-MNIST directory (Debian's dataset-fashion-mnist)");

    public static final Option<String> METHOD = Option.string(
                    "method", Methods.DEFAULT, "self-supervised method, see Methods")
            .oneOf(Methods.NAMES.toArray(String[]::new));
    public static final Option<String> METHOD_OPTIONS = Option.string(
            "method-options",
            "",
            "any option of the method"
                    + " as k=v,... (keys in the Methods table; every method takes view_forward=each|joint); an unknown key is"
                    + " an error");
    public static final Option<String> ENCODER =
            Option.string("encoder", "small-cnn", "backbone").oneOf(Encoders.NAMES.toArray(String[]::new));
    public static final Option<Integer> BATCH = Option.integer(
                    "batch", 64, "training batch size B (images per step, every view of each)")
            .atLeast(1);
    public static final Option<Integer> SIZE = Option.integer(
                    "size", 28, "trainer input side in pixels (images are resized)")
            .atLeast(4);
    public static final Option<Integer> CHANNELS = Option.integer(
                    "channels", 1, "trainer input channels: 1 or 3 (grey <-> colour, ITU-R 601)")
            .atLeast(1);
    public static final Option<String> OPTIMIZER = Option.string(
                    "optimizer", "optimiser; lars: trust 0.02, biases and norm parameters excluded")
            .computed("the method's")
            .oneOf("sgd", "lars", "adamw");
    public static final Option<Double> LR = Option.decimal("lr", "peak learning rate")
            .computed("the method's base x B / 256")
            .atLeast(0);
    public static final Option<Double> WEIGHT_DECAY = Option.decimal("weight-decay", "weight decay")
            .computed("the method's")
            .atLeast(0);
    public static final Option<String> SCHEDULE = Option.string(
                    "schedule", "after linear warm-up: constant, or cosine decay to 0 at the horizon")
            .computed("constant; demo, bench quality/offline/replay: cosine")
            .oneOf("cosine", "constant");
    public static final Option<Long> WARMUP_STEPS = Option.longInteger("warmup-steps", "linear LR warm-up in steps")
            .computed("min(100, horizon / 10)")
            .atLeast(0);
    public static final Option<Long> HORIZON_STEPS = Option.longInteger(
                    "horizon-steps", "length of the cosine LR and EMA-momentum schedules in steps")
            .computed("10000; demo: events x updates per event / batch")
            .atLeast(1);
    public static final Option<Long> SEED = Option.longInteger("seed", 42, "weight initialisation seed");
    public static final Option<Double> TEMPERATURE = Option.decimal(
                    "temperature", "method option temperature (also in --method-options)")
            .computed("the method's");
    public static final Option<Integer> QUEUE_SIZE = Option.integer(
                    "queue-size", "method option queue_size (MoCo, SwAV)")
            .computed("the method's");
    public static final Option<Integer> SUPPORT_SIZE =
            Option.integer("support-size", "method option support_size (NNCLR)").computed("the method's");
    public static final Option<String> AUGMENT = Option.string("augment", "augmentation recipe")
            .computed("the method's")
            .oneOf(Recipe.NAMES.toArray(String[]::new));
    public static final Option<String> AUGMENT_OPTIONS = Option.string(
            "augment-options",
            "",
            "recipe options" + " k=v,..., including views=N and local_crops=M (see Augmentation), over the method's");
    public static final Option<String> AUGMENT_PRESET = Option.string("augment-preset", "input preset")
            .computed("fashion-mnist where the data set is used, else none");
    public static final Option<Long> AUGMENT_SEED =
            Option.longInteger("augment-seed", JobConfig.Training.AUGMENT_SEED, "augmentation views seed");
    public static final Option<Integer> SCAN_CLUSTERS = Option.integer(
                    "scan-clusters",
                    0,
                    "SCAN: a clustering head"
                            + " of K clusters on the backbone's features; every embedding carries its cluster (0 = off)")
            .atLeast(0);
    public static final Option<Boolean> SCAN_SELF_LABEL =
            Option.flag("scan-self-label", false, "SCAN's self-labelling beside its loss (with --scan-clusters)");

    /** What defines the trainer and its views: {@link #trainer}, {@link #recipe}. */
    public static final List<Option<?>> TRAINER = List.of(
            METHOD,
            METHOD_OPTIONS,
            ENCODER,
            BATCH,
            SIZE,
            CHANNELS,
            OPTIMIZER,
            LR,
            WEIGHT_DECAY,
            SCHEDULE,
            WARMUP_STEPS,
            HORIZON_STEPS,
            SEED,
            TEMPERATURE,
            QUEUE_SIZE,
            SUPPORT_SIZE,
            AUGMENT,
            AUGMENT_OPTIONS,
            AUGMENT_PRESET,
            AUGMENT_SEED,
            SCAN_CLUSTERS,
            SCAN_SELF_LABEL);

    public static final Option<String> REPLAY_POLICY = Option.string(
                    "replay-policy",
                    REPLAY.policy(),
                    "replay buffer:"
                            + " fifo keeps the newest, reservoir a uniform sample of the stream, minred evicts the most redundant")
            .oneOf(ReplayConfig.POLICIES.toArray(String[]::new));
    public static final Option<Integer> REPLAY_SIZE = Option.integer(
                    "replay-size", REPLAY.capacity(), "replay buffer capacity in images")
            .atLeast(1);
    public static final Option<Double> UPDATES_PER_EVENT = Option.decimal(
                    "updates-per-event", "u: each event earns u samples of training (u / B steps)")
            .computed("the method's")
            .atLeast(0);
    public static final Option<Double> NEW_FRACTION = Option.decimal(
            "new-fraction", REPLAY.newFraction(), "share of each batch from the newest images not trained yet");
    public static final Option<Long> REPLAY_SEED =
            Option.longInteger("replay-seed", REPLAY.seed(), "replay sampling seed");

    /** The replay buffer and training schedule: {@link #replay}. */
    public static final List<Option<?>> REPLAY_OPTIONS =
            List.of(REPLAY_POLICY, REPLAY_SIZE, UPDATES_PER_EVENT, NEW_FRACTION, REPLAY_SEED);

    public static final Option<String> TRAINER_PACE = Option.string(
                    "trainer-pace",
                    "backpressure",
                    "backpressure:"
                            + " the trainer reads the topic at its pace, every event trained; sample: the shared stream, what"
                            + " it cannot train is dropped")
            .oneOf("backpressure", "sample");
    public static final Option<Integer> TRAINER_PARALLELISM = Option.integer(
                    "trainer-parallelism",
                    1,
                    "trainer ranks in synchronous data parallelism, each training batch / N images per step (see"
                            + " docs/distributed.md)")
            .atLeast(1);
    public static final Option<Integer> VIEW_THREADS = Option.integer(
                    "view-threads",
                    TRAINER_DEFAULTS.viewThreads(),
                    "threads drawing the next step's views while a step trains (0: the training thread)")
            .atLeast(0);
    public static final Option<Integer> PARALLELISM = Option.integer(
                    "parallelism",
                    JobConfig.Decoding.DEFAULTS.parallelism(),
                    "decode parallelism (the trainer and the index sink run with 1)")
            .atLeast(1);
    public static final Option<Integer> EMBEDDER_PARALLELISM = Option.integer(
                    "embedder-parallelism", JobConfig.Embedders.DEFAULTS.parallelism(), "embedder subtasks")
            .atLeast(1);
    public static final Option<Integer> EMBED_BATCH = Option.integer(
                    "embed-batch", JobConfig.Embedders.DEFAULTS.batch(), "embedder batch size")
            .atLeast(1);
    public static final Option<Long> EMBED_MAX_WAIT_MS = Option.longInteger(
                    "embed-max-wait-ms",
                    JobConfig.Embedders.DEFAULTS.maxWaitMs(),
                    "the longest an image waits for an embedder batch")
            .atLeast(0);
    public static final Option<Integer> THUMBNAIL_SIZE = Option.integer(
                    "thumbnail-size",
                    JobConfig.Embedders.DEFAULTS.thumbnailSize(),
                    "PNG thumbnail side carried by each embedding into the index" + " (serve's page); 0 = none")
            .atLeast(0);
    public static final Option<String> MODELS_DIR = Option.string(
                    "models-dir", "model registry: every published version as v<version>.oxm")
            .computed("demo: <run dir>/models; else off");
    public static final Option<String> INDEX_DIR = Option.string(
                    "index-dir", "Lucene HNSW index of the embeddings, committed with checkpoints")
            .computed("demo: <run dir>/index; else off");
    public static final Option<Integer> SCHEMA_REGISTRY_ID = Option.integer(
            "schema-registry-id",
            KAFKA_DEFAULTS.schemaRegistryId(),
            "Confluent wire format with this schema id (-1: raw Avro)");
    public static final Option<Long> CHECKPOINT_INTERVAL_MS = Option.longInteger(
                    "checkpoint-interval-ms",
                    JobConfig.Checkpoints.INTERVAL_MS,
                    "Flink checkpoints (exactly-once); embeddings become visible in Kafka" + " at each")
            .atLeast(1);
    public static final Option<String> IMAGES_TOPIC =
            Option.string("images-topic", KAFKA_DEFAULTS.imagesTopic(), "Kafka topic of image events");
    public static final Option<String> EMBEDDINGS_TOPIC =
            Option.string("embeddings-topic", KAFKA_DEFAULTS.embeddingsTopic(), "Kafka topic of embeddings");
    public static final Option<String> DEAD_LETTERS_TOPIC =
            Option.string("dead-letters-topic", KAFKA_DEFAULTS.deadLettersTopic(), "Kafka topic of dead letters");
    public static final Option<String> GROUP_ID =
            Option.string("group-id", KAFKA_DEFAULTS.groupId(), "Kafka consumer group");
    public static final Option<Long> PROGRESS_INTERVAL_MS = Option.longInteger(
                    "progress-interval-ms",
                    TRAINER_DEFAULTS.progressIntervalMs(),
                    "progress line, CSV rows and the quality probe every so often")
            .atLeast(1);
    public static final Option<Long> MAX_PIXELS = Option.longInteger(
                    "max-pixels", JobConfig.Decoding.DEFAULTS.maxPixels(), "decode limit (decompression bombs)")
            .atLeast(1);
    public static final Option<Integer> MAX_ENCODED_BYTES = Option.integer(
                    "max-encoded-bytes",
                    JobConfig.Decoding.DEFAULTS.maxEncodedBytes(),
                    "largest encoded image accepted")
            .atLeast(1);
    public static final Option<Long> PUBLISH_EVERY_STEPS = Option.longInteger(
                    "publish-every-steps",
                    TRAINER_DEFAULTS.publishEverySteps(),
                    "publish an encoder version every K steps (0 = off)")
            .atLeast(0);
    public static final Option<Long> PUBLISH_EVERY_MS = Option.longInteger(
                    "publish-every-ms",
                    TRAINER_DEFAULTS.publishEveryMs(),
                    "publish an encoder version every T ms (0 = off)")
            .atLeast(0);
    public static final Option<Double> COLLAPSE_THRESHOLD = Option.decimal(
                    "collapse-threshold",
                    TRAINER_DEFAULTS.collapseThreshold(),
                    "collapse alarm when collapse_std < threshold x 1/sqrt(d)")
            .atLeast(0);
    public static final Option<Boolean> HOLD_ON_COLLAPSE = Option.flag(
            "hold-on-collapse", TRAINER_DEFAULTS.holdOnCollapse(), "hold the published version while the alarm is on");
    public static final Option<Integer> CLASSES = Option.integer(
                    "classes", TRAINER_DEFAULTS.classes(), "label classes of the online kNN probe")
            .atLeast(1);

    /** Options of the job itself: {@link #kafka}, {@link #decoding}, {@link #training}, {@link #embedders}, {@link #stores}. */
    public static final List<Option<?>> JOB_OPTIONS = List.of(
            TRAINER_PACE,
            TRAINER_PARALLELISM,
            VIEW_THREADS,
            PARALLELISM,
            EMBEDDER_PARALLELISM,
            EMBED_BATCH,
            EMBED_MAX_WAIT_MS,
            THUMBNAIL_SIZE,
            MODELS_DIR,
            INDEX_DIR,
            SCHEMA_REGISTRY_ID,
            CHECKPOINT_INTERVAL_MS,
            IMAGES_TOPIC,
            EMBEDDINGS_TOPIC,
            DEAD_LETTERS_TOPIC,
            GROUP_ID,
            PROGRESS_INTERVAL_MS,
            MAX_PIXELS,
            MAX_ENCODED_BYTES,
            PUBLISH_EVERY_STEPS,
            PUBLISH_EVERY_MS,
            COLLAPSE_THRESHOLD,
            HOLD_ON_COLLAPSE,
            CLASSES);

    public static final Option<List<String>> KAFKA_PROPERTY = Option.list(
            "kafka-property",
            "a Kafka client property"
                    + " k=v for every client (source, sinks, admin), e.g. security.protocol=SASL_SSL; repeatable; wins over"
                    + " --kafka-config");
    public static final Option<String> KAFKA_CONFIG = Option.string(
                    "kafka-config",
                    "a Kafka client properties file" + " (as kafka-console-producer's --producer.config)")
            .computed("none");
    /** Kafka client properties for every client the command makes. */
    public static final List<Option<?>> KAFKA = List.of(KAFKA_PROPERTY, KAFKA_CONFIG);

    public static final Option<String> BOOTSTRAP =
            Option.string("bootstrap", JobConfig.Kafka.BOOTSTRAP, "Kafka bootstrap servers HOST:PORT[,HOST:PORT...]");

    /** Every option of the job's parts, with the trainer's and replay's. */
    public static final List<Option<?>> ALL = concat(TRAINER, REPLAY_OPTIONS, JOB_OPTIONS);

    /** How to reach Kafka: --bootstrap, --kafka-config and --kafka-property (these win). */
    public static KafkaClient kafkaClient(Args a) {
        String file = a.get(KAFKA_CONFIG);
        return KafkaClient.of(a.get(BOOTSTRAP), a.get(KAFKA_PROPERTY), file == null ? null : Path.of(file));
    }

    @SafeVarargs
    public static List<Option<?>> concat(List<Option<?>>... lists) {
        List<Option<?>> out = new ArrayList<>();
        for (List<Option<?>> l : lists) {
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
        String method = a.get(METHOD);
        TrainerConfig d = TrainerConfig.defaults(method, a.get(ENCODER), a.get(CHANNELS), a.get(SIZE), a.get(BATCH));
        long horizon = a.getOr(HORIZON_STEPS, defaultHorizon);
        // Any method option as key=value pairs; the three common ones also have flags of their own.
        HashMap<String, String> options =
                new HashMap<>(KeyValues.list(METHOD_OPTIONS.subject(), a.get(METHOD_OPTIONS)));
        for (Option<?> o : List.of(TEMPERATURE, QUEUE_SIZE, SUPPORT_SIZE)) {
            if (a.has(o)) {
                options.put(o.name().replace('-', '_'), String.valueOf(a.get(o)));
            }
        }
        Methods.checkOptions(method, options);
        boolean cosine =
                a.getOr(SCHEDULE, defaultCosine ? "cosine" : "constant").equals("cosine");
        TrainerConfig.Builder b = d.withOptions(options).toBuilder();
        b.seed = a.get(SEED);
        b.optimizer = a.getOr(OPTIMIZER, d.optimizer());
        b.weightDecay = (float) (double) a.getOr(WEIGHT_DECAY, (double) d.weightDecay());
        b.scanClusters = a.get(SCAN_CLUSTERS);
        if (b.scanClusters == 1) {
            throw new IllegalArgumentException("--scan-clusters must be 0 (off) or at least 2, not 1");
        }
        b.scanSelfLabel = a.get(SCAN_SELF_LABEL);
        TrainerConfig config = b.build()
                .withSchedule(
                        (float) (double) a.getOr(LR, (double) d.learningRate()),
                        a.getOr(WARMUP_STEPS, Math.min(d.warmupSteps(), Math.max(1, horizon / 10))),
                        horizon,
                        cosine);
        return config.withGlobalViews(recipe(a, config, defaultPreset).globals());
    }

    /**
     * The augmentation recipe: the method's default recipe (see {@link Methods#defaults}) unless
     * --augment names another, with the method's default recipe options under --augment-options.
     */
    public static Recipe recipe(Args a, TrainerConfig trainer, String defaultPreset) {
        Methods.Defaults d = Methods.defaults(trainer.method());
        String name = a.getOr(AUGMENT, d.recipe());
        Map<String, String> options =
                new HashMap<>(name.equals(d.recipe()) ? Recipe.parseOptions(d.recipeOptions()) : Map.of());
        options.putAll(KeyValues.list(AUGMENT_OPTIONS.subject(), a.get(AUGMENT_OPTIONS)));
        return Recipe.parse(name, a.getOr(AUGMENT_PRESET, defaultPreset), trainer.size(), trainer.channels(), options);
    }

    /** The replay buffer and training schedule. */
    public static ReplayConfig replay(Args a) {
        double u = Methods.defaults(a.get(METHOD)).updatesPerEvent();
        return new ReplayConfig(
                a.get(REPLAY_POLICY),
                a.get(REPLAY_SIZE),
                a.getOr(UPDATES_PER_EVENT, u),
                a.get(NEW_FRACTION),
                a.get(BATCH),
                a.get(REPLAY_SEED));
    }

    /**
     * The topics, consumer group and wire format from the options; how to connect and read is the command's.
     *
     * @param bounded stop at the images topic's end offsets as of the start
     */
    public static JobConfig.Kafka kafka(Args a, KafkaClient client, String transactionalIdPrefix, boolean bounded) {
        return new JobConfig.Kafka(
                client,
                a.get(IMAGES_TOPIC),
                a.get(EMBEDDINGS_TOPIC),
                a.get(DEAD_LETTERS_TOPIC),
                a.get(GROUP_ID),
                transactionalIdPrefix,
                a.get(SCHEMA_REGISTRY_ID),
                bounded);
    }

    public static JobConfig.Decoding decoding(Args a) {
        return new JobConfig.Decoding(a.get(PARALLELISM), a.get(MAX_PIXELS), a.get(MAX_ENCODED_BYTES));
    }

    /**
     * The trainer with its views, replay buffer and operator settings.
     *
     * @param runDir         where the final state, CSV series and trainer events go; null: none
     * @param expectedImages images a bounded run expects (progress ETA); 0: unknown
     */
    public static JobConfig.Training training(
            Args a, TrainerConfig trainer, String defaultPreset, String runDir, long expectedImages) {
        TrainerOptions options = new TrainerOptions(
                runDir,
                a.get(PROGRESS_INTERVAL_MS),
                a.get(PUBLISH_EVERY_STEPS),
                a.get(PUBLISH_EVERY_MS),
                a.get(COLLAPSE_THRESHOLD),
                a.get(HOLD_ON_COLLAPSE),
                a.get(CLASSES),
                expectedImages,
                TrainerOptions.Pace.parse(a.get(TRAINER_PACE)),
                a.get(VIEW_THREADS),
                TRAINER_DEFAULTS.failAtStep());
        return new JobConfig.Training(
                trainer,
                recipe(a, trainer, defaultPreset),
                a.get(AUGMENT_SEED),
                replay(a),
                options,
                a.get(TRAINER_PARALLELISM));
    }

    public static JobConfig.Embedders embedders(Args a) {
        return new JobConfig.Embedders(
                a.get(EMBEDDER_PARALLELISM), a.get(EMBED_BATCH), a.get(EMBED_MAX_WAIT_MS), a.get(THUMBNAIL_SIZE));
    }

    /** The model registry and the index; not given, under {@code runDir} (the demo's), or off when that is null. */
    public static JobConfig.Stores stores(Args a, Path runDir) {
        return new JobConfig.Stores(
                a.getOr(
                        MODELS_DIR,
                        runDir == null
                                ? null
                                : runDir.resolve("models").toAbsolutePath().toString()),
                a.getOr(
                        INDEX_DIR,
                        runDir == null
                                ? null
                                : runDir.resolve("index").toAbsolutePath().toString()));
    }

    /**
     * The job of `demo` and `bench soak`: everything in one run directory (registry and index there
     * unless given), on an embedded broker whose client replaces the default one once it runs.
     */
    public static JobConfig embedded(
            Args a, TrainerConfig trainer, String preset, Path runDir, boolean bounded, long expectedImages) {
        Path dir = runDir.toAbsolutePath();
        return new JobConfig(
                kafka(a, JobConfig.Kafka.DEFAULTS.client(), JobConfig.Kafka.DEFAULTS.transactionalIdPrefix(), bounded),
                decoding(a),
                training(a, trainer, preset, dir.toString(), expectedImages),
                embedders(a),
                stores(a, dir),
                JobConfig.Checkpoints.into(
                        a.get(CHECKPOINT_INTERVAL_MS),
                        dir.resolve("checkpoints").toUri().toString()));
    }
}
