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

    public TrainerConfig withOptions(Map<String, String> options) {
        return new TrainerConfig(method, encoder, channels, size, globalViews, seed, optimizer, learningRate, momentum, weightDecay,
                warmupSteps, horizonSteps, cosine, mean, std, new HashMap<>(options));
    }

    public TrainerConfig withSchedule(float lr, long warmup, long horizon, boolean cosineDecay) {
        return new TrainerConfig(method, encoder, channels, size, globalViews, seed, optimizer, lr, momentum, weightDecay,
                warmup, horizon, cosineDecay, mean, std, methodOptions);
    }

    public TrainerConfig withSeed(long newSeed) {
        return new TrainerConfig(method, encoder, channels, size, globalViews, newSeed, optimizer, learningRate, momentum, weightDecay,
                warmupSteps, horizonSteps, cosine, mean, std, methodOptions);
    }

    public TrainerConfig withNormalization(float[] newMean, float[] newStd) {
        return new TrainerConfig(method, encoder, channels, size, globalViews, seed, optimizer, learningRate, momentum, weightDecay,
                warmupSteps, horizonSteps, cosine, newMean, newStd, methodOptions);
    }

    /** The same trainer for batches with this many global views (the recipe's). */
    public TrainerConfig withGlobalViews(int views) {
        return new TrainerConfig(method, encoder, channels, size, views, seed, optimizer, learningRate, momentum,
                weightDecay, warmupSteps, horizonSteps, cosine, mean, std, methodOptions);
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
