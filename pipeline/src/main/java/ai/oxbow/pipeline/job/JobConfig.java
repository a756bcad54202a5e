package ai.oxbow.pipeline.job;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.train.TrainerOptions;

import java.io.Serializable;

/** Everything the Flink job needs; defaults are the embedded demo's. See README, "Configuration". */
public final class JobConfig implements Serializable {
    /** The cluster and how to connect to it (TLS, SASL, ...). */
    public KafkaClient kafka = KafkaClient.of("127.0.0.1:9092");
    public String imagesTopic = "oxbow.images";
    public String embeddingsTopic = "oxbow.embeddings";
    public String deadLettersTopic = "oxbow.dead-letters";
    public String groupId = "oxbow";
    /** Stop at the images topic's end offsets as of job start (demo, tests); else run forever. */
    public boolean bounded = false;
    /** Parallelism of decode and validation; the trainer and the index sink always run with 1. */
    public int parallelism = 1;
    /** Parallelism of the embedders (each holds the newest published encoder). */
    public int embedderParallelism = 1;
    /** Embedders embed batches of up to this many images, or fewer after embedMaxWaitMs. */
    public int embedBatch = 64;
    public long embedMaxWaitMs = 200;
    /** Each embedding carries a PNG of its image at most this many pixels a side (0: none), for search pages. */
    public int thumbnailSize = 32;
    /** Replay buffer, updates per event and training batch size. */
    public ReplayConfig replay;
    /**
     * How the trainer reads: BACKPRESSURE, its own source of the images topic at the pace of
     * training (every event trained; reproducible); SAMPLE, the shared stream as it comes.
     */
    public TrainerOptions.Pace trainerPace = TrainerOptions.Pace.BACKPRESSURE;
    /** Threads drawing the next training batch's views while a step trains. */
    public int viewThreads = 1;
    /**
     * Exactly-once checkpoints. Each holds the whole trainer (about 20 MB for small-cnn with EMP-SSL's
     * projector), so every 30 s rather than every few: embeddings become visible at each one.
     */
    public long checkpointIntervalMs = 30_000;
    /** Checkpoint directory (a URI such as file:///var/oxbow/checkpoints). */
    public String checkpointDir;
    /** A checkpoint or savepoint to restore from (run --restore). */
    public String restorePath;
    /**
     * Restore even if the checkpoint holds state of operators this graph lacks (a checkpoint of an
     * Oxbow before the replay buffer: its micro-batcher's pending batch is dropped).
     */
    public boolean allowNonRestoredState = false;
    public String transactionalIdPrefix = "oxbow";
    public long maxPixels = 4096L * 4096L;
    public int maxEncodedBytes = 8 * 1024 * 1024;
    public long augmentSeed = 1234;
    /** Augmentation recipe (views); see Recipe.parse. */
    public Recipe augment;
    public TrainerConfig trainer;
    /** Model registry: every published encoder version as a file (search, reindex, export); optional. */
    public String modelsDir;
    /** Lucene HNSW index of the embeddings, committed with each checkpoint; optional. */
    public String indexDir;
    /**
     * Confluent Schema Registry wire format for embeddings (magic byte, 4-byte schema id, Avro
     * binary) with this schema id; -1 writes raw Avro binary.
     */
    public int schemaRegistryId = -1;
    /** Directory for the final trainer state and trainer events (restores); optional. */
    public String runDir;
    /** Progress line, CSV rows and the quality probe (RankMe, online kNN, alignment) every so often. */
    public long progressIntervalMs = 10_000;
    /** Publish the encoder that makes embeddings every K steps and/or every T ms (0 = off). */
    public long publishEverySteps = 20;
    public long publishEveryMs = 30_000;
    /** Collapse alarm when collapse_std < threshold x 1/sqrt(d); hold versions while it is on. */
    public double collapseThreshold = 0.1;
    public boolean holdOnCollapse = true;
    /** Label classes of the online kNN probe (Fashion-MNIST: 10). */
    public int classes = 10;
    /** Images a bounded run expects (progress ETA); 0 = unknown. */
    public long expectedImages = 0;
    /** Test hook: fail the trainer once at this step (after a checkpoint); 0 = never. */
    public long failAtStep = 0;
    /** Restarts in a row before the job fails (see {@link OxbowJob#flinkConfiguration}). */
    public int restartAttempts = 10;
}
