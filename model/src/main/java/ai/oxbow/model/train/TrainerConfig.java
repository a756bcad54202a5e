package ai.oxbow.model.train;

import ai.oxbow.model.method.MethodOptions;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.TrainerCodec;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything that defines a trainer. Serializable so that it travels with the Flink job graph.
 *
 * @param globalViews  global views per image in each training batch (the augmentation recipe's);
 *                     methods with a buffer per global view (MoCo's key queues) size their state by it
 * @param optimizer    sgd, lars or adamw
 * @param learningRate absolute peak learning rate (see {@link #defaults} for the batch scaling)
 * @param warmupSteps  linear warm-up length in optimiser steps
 * @param horizonSteps steps over which cosine schedules (LR, EMA momentum) run; they hold after
 * @param cosine       cosine LR decay to 0 at the horizon; otherwise constant after warm-up
 * @param scanClusters clusters of the SCAN stage ({@link ai.oxbow.model.cluster.ScanStage}); 0 = off
 * @param scanSelfLabel SCAN's self-labelling beside its loss
 */
public record TrainerConfig(
        String method,
        String encoder,
        int channels,
        int size,
        int globalViews,
        long seed,
        String optimizer,
        float learningRate,
        float momentum,
        float weightDecay,
        long warmupSteps,
        long horizonSteps,
        boolean cosine,
        float[] mean,
        float[] std,
        HashMap<String, String> methodOptions,
        int scanClusters,
        boolean scanSelfLabel)
        implements Serializable {

    /** Fashion-MNIST statistics: the default data set. */
    public static final float[] FASHION_MNIST_MEAN = {0.2860f};

    public static final float[] FASHION_MNIST_STD = {0.3530f};

    /**
     * A method's published optimiser settings at a batch size: peak LR = base * batch / 256
     * (linear scaling rule), 100 warm-up steps, a 10,000-step horizon, constant LR after warm-up
     * (an endless stream has no end to decay to).
     */
    public static TrainerConfig defaults(String method, String encoder, int channels, int size, int batch) {
        Methods.Defaults d = Methods.defaults(method);
        float lr = d.baseLearningRate() * batch / 256f;
        return new TrainerConfig(
                method,
                encoder,
                channels,
                size,
                2,
                42L,
                d.optimizer(),
                lr,
                d.momentum(),
                d.weightDecay(),
                100,
                10_000,
                false,
                repeat(FASHION_MNIST_MEAN[0], channels),
                repeat(FASHION_MNIST_STD[0], channels),
                new HashMap<>(),
                0,
                false);
    }

    /** What marks a method option among the {@link #fields}: {@code method.queue_size}, ... */
    private static final String METHOD_OPTION = "method.";

    /**
     * The configuration as named text fields: what a trainer state's fingerprint holds and
     * {@link #fromFields} reads back. Method options are those in force (defaults included), as the
     * method read them; the SCAN fields appear only when SCAN is on, so that states written without
     * it keep their fingerprint.
     */
    public SortedMap<String, String> fields(Map<String, String> methodOptionsInForce) {
        TreeMap<String, String> f = new TreeMap<>();
        f.put("method", method);
        f.put("encoder", encoder);
        f.put("channels", String.valueOf(channels));
        f.put("size", String.valueOf(size));
        f.put("global_views", String.valueOf(globalViews));
        f.put("seed", String.valueOf(seed));
        f.put("optimizer", optimizer);
        f.put("learning_rate", String.valueOf(learningRate));
        f.put("momentum", String.valueOf(momentum));
        f.put("weight_decay", String.valueOf(weightDecay));
        f.put("warmup_steps", String.valueOf(warmupSteps));
        f.put("horizon_steps", String.valueOf(horizonSteps));
        f.put("cosine", String.valueOf(cosine));
        f.put("mean", Fingerprint.floats(mean));
        f.put("std", Fingerprint.floats(std));
        methodOptionsInForce.forEach((k, v) -> f.put(METHOD_OPTION + k, v));
        if (scanClusters > 0) {
            f.put("scan_clusters", String.valueOf(scanClusters));
            f.put("scan_self_label", String.valueOf(scanSelfLabel));
        }
        return f;
    }

    /** The configuration {@link #fields} describe (a field missing or unreadable is an exception naming it). */
    public static TrainerConfig fromFields(Map<String, String> f) {
        HashMap<String, String> options = new HashMap<>();
        f.forEach((k, v) -> {
            if (k.startsWith(METHOD_OPTION)) {
                options.put(k.substring(METHOD_OPTION.length()), v);
            }
        });
        return new TrainerConfig(
                field(f, "method"),
                field(f, "encoder"),
                Integer.parseInt(field(f, "channels")),
                Integer.parseInt(field(f, "size")),
                Integer.parseInt(field(f, "global_views")),
                Long.parseLong(field(f, "seed")),
                field(f, "optimizer"),
                Float.parseFloat(field(f, "learning_rate")),
                Float.parseFloat(field(f, "momentum")),
                Float.parseFloat(field(f, "weight_decay")),
                Long.parseLong(field(f, "warmup_steps")),
                Long.parseLong(field(f, "horizon_steps")),
                Boolean.parseBoolean(field(f, "cosine")),
                Fingerprint.floats(field(f, "mean")),
                Fingerprint.floats(field(f, "std")),
                options,
                Integer.parseInt(f.getOrDefault("scan_clusters", "0")),
                Boolean.parseBoolean(f.get("scan_self_label")));
    }

    private static String field(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no field " + name);
        }
        return value;
    }

    /**
     * The configuration a framed (format 2) trainer state was written with, rebuilt from its
     * fingerprint, so tools can restore it without being told how the run was configured.
     */
    public static TrainerConfig ofState(byte[] state) {
        Map<String, String> f = TrainerCodec.fingerprint(state).fields();
        try {
            return fromFields(f);
        } catch (RuntimeException e) {
            throw new CorruptStateException("corrupt trainer state: its header does not describe a trainer: " + f, e);
        }
    }

    public MethodOptions options() {
        return new MethodOptions(Map.copyOf(methodOptions));
    }

    /** A builder holding this configuration: change what differs, by name. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public TrainerConfig withOptions(Map<String, String> options) {
        Builder b = toBuilder();
        b.methodOptions = new HashMap<>(options);
        return b.build();
    }

    public TrainerConfig withSchedule(float lr, long warmup, long horizon, boolean cosineDecay) {
        Builder b = toBuilder();
        b.learningRate = lr;
        b.warmupSteps = warmup;
        b.horizonSteps = horizon;
        b.cosine = cosineDecay;
        return b.build();
    }

    public TrainerConfig withSeed(long newSeed) {
        Builder b = toBuilder();
        b.seed = newSeed;
        return b.build();
    }

    public TrainerConfig withNormalization(float[] newMean, float[] newStd) {
        Builder b = toBuilder();
        b.mean = newMean;
        b.std = newStd;
        return b.build();
    }

    /** The same trainer for batches with this many global views (the recipe's). */
    public TrainerConfig withGlobalViews(int views) {
        Builder b = toBuilder();
        b.globalViews = views;
        return b.build();
    }

    /**
     * Named fields instead of eighteen positions: take them from {@link #defaults} (or any config)
     * with {@link #toBuilder}, assign what differs, {@link #build}.
     */
    public static final class Builder {
        public String method;
        public String encoder;
        public int channels;
        public int size;
        public int globalViews;
        public long seed;
        public String optimizer;
        public float learningRate;
        public float momentum;
        public float weightDecay;
        public long warmupSteps;
        public long horizonSteps;
        public boolean cosine;
        public float[] mean;
        public float[] std;
        public HashMap<String, String> methodOptions;
        public int scanClusters;
        public boolean scanSelfLabel;

        private Builder(TrainerConfig c) {
            method = c.method;
            encoder = c.encoder;
            channels = c.channels;
            size = c.size;
            globalViews = c.globalViews;
            seed = c.seed;
            optimizer = c.optimizer;
            learningRate = c.learningRate;
            momentum = c.momentum;
            weightDecay = c.weightDecay;
            warmupSteps = c.warmupSteps;
            horizonSteps = c.horizonSteps;
            cosine = c.cosine;
            mean = c.mean;
            std = c.std;
            methodOptions = new HashMap<>(c.methodOptions);
            scanClusters = c.scanClusters;
            scanSelfLabel = c.scanSelfLabel;
        }

        public TrainerConfig build() {
            return new TrainerConfig(
                    method,
                    encoder,
                    channels,
                    size,
                    globalViews,
                    seed,
                    optimizer,
                    learningRate,
                    momentum,
                    weightDecay,
                    warmupSteps,
                    horizonSteps,
                    cosine,
                    mean,
                    std,
                    methodOptions,
                    scanClusters,
                    scanSelfLabel);
        }
    }

    public int pixelsPerImage() {
        return channels * size * size;
    }

    private static float[] repeat(float v, int n) {
        float[] out = new float[n];
        Arrays.fill(out, v);
        return out;
    }
}
