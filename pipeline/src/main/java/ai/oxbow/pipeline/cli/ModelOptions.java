package ai.oxbow.pipeline.cli;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.util.KeyValues;
import ai.oxbow.pipeline.job.JobConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options that define the trainer (method, encoder, batch, optimiser, schedule), its
 * views and its replay buffer, shared by every command that trains, and the {@link TrainerConfig},
 * {@link Recipe} and {@link ReplayConfig} built from them.
 */
public final class ModelOptions {
    private ModelOptions() {}

    private static final ReplayConfig REPLAY_DEFAULTS = ReplayConfig.defaults(64);

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
                    REPLAY_DEFAULTS.policy(),
                    "replay buffer:"
                            + " fifo keeps the newest, reservoir a uniform sample of the stream, minred evicts the most redundant")
            .oneOf(ReplayConfig.POLICIES.toArray(String[]::new));
    public static final Option<Integer> REPLAY_SIZE = Option.integer(
                    "replay-size", REPLAY_DEFAULTS.capacity(), "replay buffer capacity in images")
            .atLeast(1);
    public static final Option<Double> UPDATES_PER_EVENT = Option.decimal(
                    "updates-per-event", "u: each event earns u samples of training (u / B steps)")
            .computed("the method's")
            .atLeast(0);
    public static final Option<Double> NEW_FRACTION = Option.decimal(
            "new-fraction",
            REPLAY_DEFAULTS.newFraction(),
            "share of each batch from the newest images not trained yet");
    public static final Option<Long> REPLAY_SEED =
            Option.longInteger("replay-seed", REPLAY_DEFAULTS.seed(), "replay sampling seed");

    /** The replay buffer and training schedule: {@link #replay(Args)}. */
    public static final List<Option<?>> REPLAY =
            List.of(REPLAY_POLICY, REPLAY_SIZE, UPDATES_PER_EVENT, NEW_FRACTION, REPLAY_SEED);

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
}
