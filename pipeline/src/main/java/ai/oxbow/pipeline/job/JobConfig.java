package ai.oxbow.pipeline.job;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.index.IndexTarget;
import ai.oxbow.pipeline.index.LuceneTarget;
import ai.oxbow.pipeline.index.SolrTarget;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.ops.ImageDecoder;
import ai.oxbow.pipeline.train.TrainerOptions;
import java.io.Serializable;
import java.util.Objects;

/**
 * Everything the Flink job needs, checked when built (cli/JobOptions builds it from the command
 * line); each part goes to the operators as it is. See docs/cli.md, "Configuration".
 */
public record JobConfig(
        Kafka kafka, Decoding decoding, Training training, Embedders embedders, Stores stores, Checkpoints checkpoints)
        implements Serializable {

    public JobConfig {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(decoding, "decoding");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(embedders, "embedders");
        Objects.requireNonNull(stores, "stores");
        Objects.requireNonNull(checkpoints, "checkpoints");
    }

    /** The same job on another cluster (an embedded broker's, known once it runs). */
    public JobConfig withKafkaClient(KafkaClient client) {
        return new JobConfig(kafka.withClient(client), decoding, training, embedders, stores, checkpoints);
    }

    public JobConfig withTraining(Training training) {
        return new JobConfig(kafka, decoding, training, embedders, stores, checkpoints);
    }

    public JobConfig withEmbedders(Embedders embedders) {
        return new JobConfig(kafka, decoding, training, embedders, stores, checkpoints);
    }

    public JobConfig withStores(Stores stores) {
        return new JobConfig(kafka, decoding, training, embedders, stores, checkpoints);
    }

    public JobConfig withCheckpoints(Checkpoints checkpoints) {
        return new JobConfig(kafka, decoding, training, embedders, stores, checkpoints);
    }

    /**
     * The cluster, the topics and how the job reads and writes them.
     *
     * @param client                how to connect (TLS, SASL, ...)
     * @param groupId               the shared reader's consumer group; the trainer's own reader adds "-trainer"
     * @param transactionalIdPrefix prefix of the sinks' transactional ids
     * @param schemaRegistryId      Confluent Schema Registry wire format for embeddings (magic byte,
     *                              4-byte schema id, Avro binary) with this id; -1 writes raw Avro binary
     * @param bounded               stop at the images topic's end offsets as of job start (demo,
     *                              tests); else run until cancelled
     */
    public record Kafka(
            KafkaClient client,
            String imagesTopic,
            String embeddingsTopic,
            String deadLettersTopic,
            String groupId,
            String transactionalIdPrefix,
            int schemaRegistryId,
            boolean bounded)
            implements Serializable {
        public static final String BOOTSTRAP = "127.0.0.1:9092";
        public static final Kafka DEFAULTS = new Kafka(
                KafkaClient.of(BOOTSTRAP),
                "oxbow.images",
                "oxbow.embeddings",
                "oxbow.dead-letters",
                "oxbow",
                "oxbow",
                -1,
                false);

        public Kafka {
            Objects.requireNonNull(client, "Kafka client");
            for (String name :
                    new String[] {imagesTopic, embeddingsTopic, deadLettersTopic, groupId, transactionalIdPrefix}) {
                if (name == null || name.isBlank()) {
                    throw new IllegalArgumentException(
                            "Kafka topics, group id and transactional id prefix must not" + " be blank");
                }
            }
            if (schemaRegistryId < -1) {
                throw new IllegalArgumentException(
                        "schema registry id must be -1 (raw Avro) or an id, not " + schemaRegistryId);
            }
        }

        public Kafka withClient(KafkaClient client) {
            return new Kafka(
                    client,
                    imagesTopic,
                    embeddingsTopic,
                    deadLettersTopic,
                    groupId,
                    transactionalIdPrefix,
                    schemaRegistryId,
                    bounded);
        }
    }

    /**
     * Decode and validation of image events.
     *
     * @param parallelism     of decode and validation; the trainer and the embedded index's sink always run with 1
     * @param maxPixels       decode limit (decompression bombs)
     * @param maxEncodedBytes the largest encoded image accepted (and what Kafka clients fetch)
     */
    public record Decoding(int parallelism, long maxPixels, int maxEncodedBytes) implements Serializable {
        public static final Decoding DEFAULTS = new Decoding(1, 4096L * 4096L, 8 * 1024 * 1024);

        public Decoding {
            if (parallelism < 1 || maxPixels < 1 || maxEncodedBytes < 1) {
                throw new IllegalArgumentException("decode parallelism, max pixels and max encoded bytes must be at"
                        + " least 1, not " + parallelism + ", " + maxPixels + ", " + maxEncodedBytes);
            }
        }

        public ImageDecoder decoder() {
            return new ImageDecoder(maxPixels, maxEncodedBytes);
        }
    }

    /**
     * The trainer's pieces: the model and its optimiser, the views, the replay buffer and the
     * operator's settings (run directory, publishing, probes, pace).
     *
     * @param augmentSeed seed of the augmentation views
     * @param parallelism trainer ranks in synchronous data parallelism, each training
     *                    {@code replay.batch() / parallelism} images per step
     */
    public record Training(
            TrainerConfig trainer,
            Recipe augment,
            long augmentSeed,
            ReplayConfig replay,
            TrainerOptions options,
            int parallelism)
            implements Serializable {
        public static final long AUGMENT_SEED = 1234;
        /** The operator's settings but the run directory and the images expected, which each run sets. */
        public static final TrainerOptions DEFAULT_OPTIONS =
                new TrainerOptions(null, 10_000, 20, 30_000, 0.1, true, 10, 0, TrainerOptions.Pace.BACKPRESSURE, 1, 0);

        public Training {
            Objects.requireNonNull(trainer, "trainer");
            Objects.requireNonNull(augment, "augment");
            Objects.requireNonNull(replay, "replay");
            Objects.requireNonNull(options, "trainer options");
            if (parallelism < 1) {
                throw new IllegalArgumentException("--trainer-parallelism must be at least 1, not " + parallelism);
            }
            replay.forRank(0, parallelism); // refuses a batch the ranks cannot share evenly
            if (parallelism > 1 && trainer.scanClusters() > 0) {
                throw new IllegalArgumentException("--scan-clusters trains its clustering head on one trainer: use it"
                        + " with --trainer-parallelism 1");
            }
        }

        public Training withTrainer(TrainerConfig trainer) {
            return new Training(trainer, augment, augmentSeed, replay, options, parallelism);
        }

        public Training withOptions(TrainerOptions options) {
            return new Training(trainer, augment, augmentSeed, replay, options, parallelism);
        }

        public Training withParallelism(int parallelism) {
            return new Training(trainer, augment, augmentSeed, replay, options, parallelism);
        }
    }

    /**
     * The embedders, each holding the newest published encoder.
     *
     * @param batch         images per batch, or fewer after {@code maxWaitMs}
     * @param thumbnailSize each embedding carries a PNG of its image at most this many pixels a
     *                      side (0: none), for search pages
     */
    public record Embedders(int parallelism, int batch, long maxWaitMs, int thumbnailSize) implements Serializable {
        public static final Embedders DEFAULTS = new Embedders(1, 64, 200, 32);

        public Embedders {
            if (parallelism < 1 || batch < 1 || maxWaitMs < 0 || thumbnailSize < 0) {
                throw new IllegalArgumentException("embedder parallelism and batch must be at least 1, max wait and"
                        + " thumbnail size at least 0; not " + parallelism + ", " + batch + ", " + maxWaitMs + ", "
                        + thumbnailSize);
            }
        }

        public Embedders withParallelism(int parallelism) {
            return new Embedders(parallelism, batch, maxWaitMs, thumbnailSize);
        }
    }

    /**
     * Where the job keeps what it publishes; each optional (null: off).
     *
     * @param modelsDir model registry: every published encoder version as a file (search, reindex, export)
     * @param indexDir  Lucene HNSW index of the embeddings, committed with each checkpoint
     * @param solr      a SolrCloud collection as the search index instead, committed with each checkpoint
     */
    public record Stores(String modelsDir, String indexDir, Solr solr) implements Serializable {
        public Stores {
            if (indexDir != null && solr != null) {
                throw new IllegalArgumentException("one search index: the embedded one (" + indexDir
                        + ") or SolrCloud collection " + solr.collection() + ", not both");
            }
        }

        /** With the embedded index, or none. */
        public Stores(String modelsDir, String indexDir) {
            this(modelsDir, indexDir, null);
        }

        /** How the index sink opens its index; null: no index. */
        public IndexTarget.Spec index() {
            if (solr != null) {
                return new SolrTarget.Spec(solr.zkHost(), solr.collection(), SolrTarget.Retry.DEFAULT);
            }
            return indexDir == null ? null : new LuceneTarget.Spec(indexDir);
        }

        /** The index sink's subtasks: the embedded index has one writer. */
        public int indexParallelism() {
            return solr == null ? 1 : solr.parallelism();
        }
    }

    /**
     * A SolrCloud collection with Oxbow's schema (deploy/solr).
     *
     * @param zkHost      the cluster's ZooKeeper, HOST:PORT[,HOST:PORT...][/chroot]
     * @param parallelism index sink subtasks writing to it
     */
    public record Solr(String zkHost, String collection, int parallelism) implements Serializable {
        public Solr {
            if (zkHost == null || zkHost.isBlank() || collection == null || collection.isBlank() || parallelism < 1) {
                throw new IllegalArgumentException("a SolrCloud index needs a ZooKeeper address, a collection and a"
                        + " parallelism of at least 1; not " + zkHost + ", " + collection + ", " + parallelism);
            }
        }
    }

    /**
     * Exactly-once checkpoints and restores. Each checkpoint holds the whole trainer (about 20 MB
     * for small-cnn with EMP-SSL's projector), so every 30 s rather than every few: embeddings
     * become visible at each one.
     *
     * @param dir                   checkpoint directory (a URI such as file:///var/oxbow/checkpoints); null: Flink's
     * @param restorePath           a checkpoint or savepoint to restore from; null: none
     * @param allowNonRestoredState restore even if the checkpoint holds state of operators this
     *                              graph lacks (a checkpoint of an Oxbow before the replay buffer:
     *                              its micro-batcher's pending batch is dropped)
     * @param restartAttempts       restarts in a row before the job fails (see {@link OxbowJob#flinkConfiguration})
     */
    public record Checkpoints(
            long intervalMs, String dir, String restorePath, boolean allowNonRestoredState, int restartAttempts)
            implements Serializable {
        public static final long INTERVAL_MS = 30_000;
        public static final int RESTART_ATTEMPTS = 10;

        public Checkpoints {
            if (intervalMs < 1 || restartAttempts < 0) {
                throw new IllegalArgumentException("checkpoint interval must be at least 1 ms and restart attempts at"
                        + " least 0, not " + intervalMs + " and " + restartAttempts);
            }
        }

        /** Checkpoints into {@code dir}, restoring none. */
        public static Checkpoints into(long intervalMs, String dir) {
            return new Checkpoints(intervalMs, dir, null, false, RESTART_ATTEMPTS);
        }

        public Checkpoints withIntervalMs(long intervalMs) {
            return new Checkpoints(intervalMs, dir, restorePath, allowNonRestoredState, restartAttempts);
        }

        /** Restores {@code restorePath}, checkpointing into {@code dir}. */
        public Checkpoints restoring(String restorePath, String dir) {
            return new Checkpoints(intervalMs, dir, restorePath, allowNonRestoredState, restartAttempts);
        }
    }
}
