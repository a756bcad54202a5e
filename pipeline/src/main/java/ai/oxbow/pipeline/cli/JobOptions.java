package ai.oxbow.pipeline.cli;

import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.train.TrainerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of the job shared by `demo`, `run`, `submit` and the benches (its topics,
 * parallelism, stores, publishing, Kafka client), and the parts of {@link JobConfig} built from
 * them: each part from the options in one method here. What defines the trainer is in
 * {@link ModelOptions}.
 */
public final class JobOptions {
    private JobOptions() {}

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
                    "decode parallelism (the trainer and the embedded index's sink run with 1)")
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
    public static final Option<String> INDEX = Option.string(
                    "index",
                    "lucene",
                    "the search index: lucene, the embedded one (--index-dir); solr, a SolrCloud collection"
                            + " (--solr-zk, --solr-collection; see docs/search.md)")
            .oneOf("lucene", "solr");
    public static final Option<String> SOLR_ZK = Option.string(
                    "solr-zk", "the SolrCloud's ZooKeeper HOST:PORT[,HOST:PORT...][/chroot] (--index solr)")
            .computed("required with --index solr");
    public static final Option<String> SOLR_COLLECTION = Option.string(
            "solr-collection", "oxbow", "the SolrCloud collection (or alias) with Oxbow's schema (--index solr)");
    public static final Option<Integer> INDEX_PARALLELISM = Option.integer(
                    "index-parallelism", 1, "index sink subtasks writing to SolrCloud (the embedded index has one)")
            .atLeast(1);
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
            INDEX,
            SOLR_ZK,
            SOLR_COLLECTION,
            INDEX_PARALLELISM,
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
    public static final List<Option<?>> ALL = concat(ModelOptions.TRAINER, ModelOptions.REPLAY, JOB_OPTIONS);

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
                ModelOptions.recipe(a, trainer, defaultPreset),
                a.get(ModelOptions.AUGMENT_SEED),
                ModelOptions.replay(a),
                options,
                a.get(TRAINER_PARALLELISM));
    }

    public static JobConfig.Embedders embedders(Args a) {
        return new JobConfig.Embedders(
                a.get(EMBEDDER_PARALLELISM), a.get(EMBED_BATCH), a.get(EMBED_MAX_WAIT_MS), a.get(THUMBNAIL_SIZE));
    }

    /**
     * The model registry and the index; not given, under {@code runDir} (the demo's), or off when
     * that is null. With {@code --index solr}, a SolrCloud collection instead of the index directory.
     */
    public static JobConfig.Stores stores(Args a, Path runDir) {
        String models = a.getOr(
                MODELS_DIR,
                runDir == null
                        ? null
                        : runDir.resolve("models").toAbsolutePath().toString());
        if (a.get(INDEX).equals("solr")) {
            String zk = a.get(SOLR_ZK);
            if (zk == null || a.get(INDEX_DIR) != null) {
                throw new UsageException(INDEX.flagName() + " solr writes to the SolrCloud of " + SOLR_ZK.flagName()
                        + ", which it needs, and not to " + INDEX_DIR.flagName());
            }
            return new JobConfig.Stores(
                    models, null, new JobConfig.Solr(zk, a.get(SOLR_COLLECTION), a.get(INDEX_PARALLELISM)));
        }
        return new JobConfig.Stores(
                models,
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
