package ai.oxbow.pipeline.cli;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.ops.TrainerOperator;

import java.util.HashMap;
import java.util.Map;

/** Command-line options shared by `demo`, `run` and `bench`: method, encoder, batch, schedule. */
public final class JobOptions {
    private JobOptions() {}

    /**
     * @param defaultHorizon horizon of the LR and EMA schedules in steps when --horizon-steps is
     *                       not given
     * @param defaultPreset  the augmentation preset when --augment-preset is not given
     * @return the trainer, for batches with the global views of the recipe ({@link #recipe})
     */
    public static TrainerConfig trainer(Args a, long defaultHorizon, boolean defaultCosine, String defaultPreset) {
        String method = a.get("method", Methods.DEFAULT);
        int batch = a.getInt("batch", 64);
        TrainerConfig d = TrainerConfig.defaults(method, a.get("encoder", "small-cnn"),
                a.getInt("channels", 1), a.getInt("size", 28), batch);
        long horizon = a.getLong("horizon-steps", defaultHorizon);
        // Any method option as key=value pairs; the three common ones also have flags of their own.
        HashMap<String, String> options = new HashMap<>(Recipe.parseOptions(a.get("method-options", "")));
        for (String key : new String[] {"temperature", "queue-size", "support-size"}) {
            if (a.has(key)) {
                options.put(key.replace('-', '_'), a.get(key, null));
            }
        }
        String schedule = a.get("schedule", defaultCosine ? "cosine" : "constant");
        if (!schedule.equals("cosine") && !schedule.equals("constant")) {
            throw new IllegalArgumentException("--schedule must be cosine or constant");
        }
        String optimizer = a.get("optimizer", d.optimizer());
        TrainerConfig config = new TrainerConfig(method, d.encoder(), d.channels(), d.size(), d.globalViews(),
                a.getLong("seed", d.seed()), optimizer, (float) a.getDouble("lr", d.learningRate()), d.momentum(),
                (float) a.getDouble("weight-decay", d.weightDecay()),
                a.getLong("warmup-steps", Math.min(d.warmupSteps(), Math.max(1, horizon / 10))), horizon,
                schedule.equals("cosine"), d.mean(), d.std(), options);
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
        options.putAll(Recipe.parseOptions(a.get("augment-options", "")));
        return Recipe.parse(name, a.get("augment-preset", defaultPreset), trainer.size(), trainer.channels(), options);
    }

    /**
     * The replay buffer and training schedule: --replay-policy, --replay-size, --updates-per-event
     * (default: the method's), --new-fraction.
     */
    public static ReplayConfig replay(Args a) {
        ReplayConfig d = ReplayConfig.defaults(a.getInt("batch", 64));
        double u = Methods.defaults(a.get("method", Methods.DEFAULT)).updatesPerEvent();
        return new ReplayConfig(a.get("replay-policy", d.policy()), a.getInt("replay-size", d.capacity()),
                a.getDouble("updates-per-event", u), a.getDouble("new-fraction", d.newFraction()),
                d.batch(), a.getLong("replay-seed", d.seed()));
    }

    /** Job options common to `demo` and `run`. */
    public static JobConfig job(Args a, TrainerConfig trainer, String defaultPreset) {
        JobConfig cfg = new JobConfig();
        cfg.trainer = trainer;
        cfg.augment = recipe(a, trainer, defaultPreset);
        cfg.replay = replay(a);
        cfg.parallelism = a.getInt("parallelism", cfg.parallelism);
        cfg.embedderParallelism = a.getInt("embedder-parallelism", cfg.embedderParallelism);
        cfg.embedBatch = a.getInt("embed-batch", cfg.embedBatch);
        cfg.embedMaxWaitMs = a.getLong("embed-max-wait-ms", cfg.embedMaxWaitMs);
        cfg.thumbnailSize = a.getInt("thumbnail-size", cfg.thumbnailSize);
        if (cfg.thumbnailSize < 0) {
            throw new IllegalArgumentException("--thumbnail-size must be 0 (none) or more");
        }
        cfg.trainerPace = TrainerOperator.Pace.parse(a.get("trainer-pace", "backpressure"));
        cfg.viewThreads = a.getInt("view-threads", cfg.viewThreads);
        cfg.modelsDir = a.get("models-dir", null);
        cfg.indexDir = a.get("index-dir", null);
        cfg.schemaRegistryId = a.getInt("schema-registry-id", cfg.schemaRegistryId);
        cfg.checkpointIntervalMs = a.getLong("checkpoint-interval-ms", cfg.checkpointIntervalMs);
        cfg.augmentSeed = a.getLong("augment-seed", cfg.augmentSeed);
        cfg.imagesTopic = a.get("images-topic", cfg.imagesTopic);
        cfg.embeddingsTopic = a.get("embeddings-topic", cfg.embeddingsTopic);
        cfg.deadLettersTopic = a.get("dead-letters-topic", cfg.deadLettersTopic);
        cfg.groupId = a.get("group-id", cfg.groupId);
        cfg.progressIntervalMs = a.getLong("progress-interval-ms", cfg.progressIntervalMs);
        cfg.maxPixels = a.getLong("max-pixels", cfg.maxPixels);
        cfg.maxEncodedBytes = a.getInt("max-encoded-bytes", cfg.maxEncodedBytes);
        cfg.publishEverySteps = a.getLong("publish-every-steps", cfg.publishEverySteps);
        cfg.publishEveryMs = a.getLong("publish-every-ms", cfg.publishEveryMs);
        cfg.collapseThreshold = a.getDouble("collapse-threshold", cfg.collapseThreshold);
        cfg.holdOnCollapse = Boolean.parseBoolean(a.get("hold-on-collapse", String.valueOf(cfg.holdOnCollapse)));
        cfg.classes = a.getInt("classes", cfg.classes);
        return cfg;
    }
}
