package ai.oxbow.model.train;

import ai.oxbow.model.method.MethodOptions;
import ai.oxbow.model.method.Methods;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

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
 */
public record TrainerConfig(
        String method, String encoder, int channels, int size, int globalViews, long seed,
        String optimizer, float learningRate, float momentum, float weightDecay,
        long warmupSteps, long horizonSteps, boolean cosine,
        float[] mean, float[] std, HashMap<String, String> methodOptions) implements Serializable {

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
        return new TrainerConfig(method, encoder, channels, size, 2, 42L, d.optimizer(), lr, d.momentum(),
                d.weightDecay(), 100, 10_000, false,
                repeat(FASHION_MNIST_MEAN[0], channels), repeat(FASHION_MNIST_STD[0], channels), new HashMap<>());
    }

    public MethodOptions options() {
        return new MethodOptions(Map.copyOf(methodOptions));
    }

    /** A builder holding this configuration: change what differs, by name. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public TrainerConfig withOptions(Map<String, String> options) {
        return toBuilder().methodOptions(options).build();
    }

    public TrainerConfig withSchedule(float lr, long warmup, long horizon, boolean cosineDecay) {
        return toBuilder().learningRate(lr).warmupSteps(warmup).horizonSteps(horizon).cosine(cosineDecay).build();
    }

    public TrainerConfig withSeed(long newSeed) {
        return toBuilder().seed(newSeed).build();
    }

    public TrainerConfig withNormalization(float[] newMean, float[] newStd) {
        return toBuilder().mean(newMean).std(newStd).build();
    }

    /** The same trainer for batches with this many global views (the recipe's). */
    public TrainerConfig withGlobalViews(int views) {
        return toBuilder().globalViews(views).build();
    }

    /**
     * Named fields instead of sixteen positions: start from {@link #defaults} (or any config) with
     * {@link #toBuilder} and set what differs.
     */
    public static final class Builder {
        private String method;
        private String encoder;
        private int channels;
        private int size;
        private int globalViews;
        private long seed;
        private String optimizer;
        private float learningRate;
        private float momentum;
        private float weightDecay;
        private long warmupSteps;
        private long horizonSteps;
        private boolean cosine;
        private float[] mean;
        private float[] std;
        private HashMap<String, String> methodOptions;

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
            methodOptions = c.methodOptions;
        }

        public Builder globalViews(int v) {
            globalViews = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder optimizer(String v) {
            optimizer = v;
            return this;
        }

        public Builder learningRate(float v) {
            learningRate = v;
            return this;
        }

        public Builder momentum(float v) {
            momentum = v;
            return this;
        }

        public Builder weightDecay(float v) {
            weightDecay = v;
            return this;
        }

        public Builder warmupSteps(long v) {
            warmupSteps = v;
            return this;
        }

        public Builder horizonSteps(long v) {
            horizonSteps = v;
            return this;
        }

        public Builder cosine(boolean v) {
            cosine = v;
            return this;
        }

        public Builder mean(float[] v) {
            mean = v;
            return this;
        }

        public Builder std(float[] v) {
            std = v;
            return this;
        }

        public Builder methodOptions(Map<String, String> v) {
            methodOptions = new HashMap<>(v);
            return this;
        }

        public TrainerConfig build() {
            return new TrainerConfig(method, encoder, channels, size, globalViews, seed, optimizer, learningRate,
                    momentum, weightDecay, warmupSteps, horizonSteps, cosine, mean, std, methodOptions);
        }
    }

    public int pixelsPerImage() {
        return channels * size * size;
    }

    private static float[] repeat(float v, int n) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, v);
        return out;
    }
}
