package ai.oxbow.pipeline.job;

import ai.oxbow.model.augment.PairAugmenter;
import ai.oxbow.model.train.TrainerConfig;

import java.io.Serializable;

/** Everything the Flink job needs; defaults are the embedded demo's. See README, "Configuration". */
public final class JobConfig implements Serializable {
    public String bootstrapServers = "127.0.0.1:9092";
    public String imagesTopic = "oxbow.images";
    public String embeddingsTopic = "oxbow.embeddings";
    public String deadLettersTopic = "oxbow.dead-letters";
    public String groupId = "oxbow";
    /** Stop at the images topic's end offsets as of job start (demo, tests); else run forever. */
    public boolean bounded = false;
    /** Parallelism of decode and augmentation; the batcher and trainer always run with 1. */
    public int parallelism = 1;
    public int batchSize = 64;
    public long maxWaitMs = 2_000;
    public long checkpointIntervalMs = 5_000;
    /** Checkpoint directory (a URI such as file:///var/oxbow/checkpoints). */
    public String checkpointDir;
    /** A checkpoint or savepoint to restore from (run --restore). */
    public String restorePath;
    public String transactionalIdPrefix = "oxbow";
    public long maxPixels = 4096L * 4096L;
    public int maxEncodedBytes = 8 * 1024 * 1024;
    public long augmentSeed = 1234;
    public PairAugmenter.Params augment = PairAugmenter.Params.DEFAULT;
    public TrainerConfig trainer;
    /** Directory for the final trainer state and trainer events (restores); optional. */
    public String runDir;
    public long progressIntervalMs = 5_000;
    /** Test hook: fail the trainer once at this step (after a checkpoint); 0 = never. */
    public long failAtStep = 0;
    public int restartAttempts = 5;
}
