package ai.oxbow.model.train;

import ai.oxbow.model.method.MethodOptions;
import ai.oxbow.model.method.Methods;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything that defines a trainer. Serializable so that it travels with the Flink job graph.
 *
 * @param learningRate absolute peak learning rate (see {@link #defaults} for the batch scaling)
 * @param warmupSteps  linear warm-up length in optimiser steps
 * @param horizonSteps steps over which cosine schedules (LR, EMA momentum) run; they hold after
 * @param cosine       cosine LR decay to 0 at the horizon; otherwise constant after warm-up
 */
public record TrainerConfig(
        String method, String encoder, int channels, int size, long seed,
        float learningRate, float momentum, float weightDecay,
        long warmupSteps, long horizonSteps, boolean cosine,
        float[] mean, float[] std, HashMap<String, String> methodOptions) implements Serializable {

    /** Fashion-MNIST statistics: the default data set. */
    public static final float[] FASHION_MNIST_MEAN = {0.2860f};
    public static final float[] FASHION_MNIST_STD = {0.3530f};

    /**
     * Paper defaults for a method at a batch size: SGD momentum 0.9, weight decay 1e-4 (MoCo)
     * or 1e-6 (NNCLR), peak LR = base * batch / 256 (linear scaling rule), 10 warm-up steps
     * per 1,000 of horizon, constant LR after warm-up (an endless stream has no end to decay to).
     */
    public static TrainerConfig defaults(String method, String encoder, int channels, int size, int batch) {
        float lr = Methods.baseLearningRate(method) * batch / 256f;
        float wd = method.equals("nnclr") ? 1e-6f : 1e-4f;
        return new TrainerConfig(method, encoder, channels, size, 42L, lr, 0.9f, wd, 100, 10_000, false,
                repeat(FASHION_MNIST_MEAN[0], channels), repeat(FASHION_MNIST_STD[0], channels), new HashMap<>());
    }

    public MethodOptions options() {
        return new MethodOptions(Map.copyOf(methodOptions));
    }

    public TrainerConfig withSchedule(float lr, long warmup, long horizon, boolean cosineDecay) {
        return new TrainerConfig(method, encoder, channels, size, seed, lr, momentum, weightDecay,
                warmup, horizon, cosineDecay, mean, std, methodOptions);
    }

    public TrainerConfig withSeed(long newSeed) {
        return new TrainerConfig(method, encoder, channels, size, newSeed, learningRate, momentum, weightDecay,
                warmupSteps, horizonSteps, cosine, mean, std, methodOptions);
    }

    public TrainerConfig withNormalization(float[] newMean, float[] newStd) {
        return new TrainerConfig(method, encoder, channels, size, seed, learningRate, momentum, weightDecay,
                warmupSteps, horizonSteps, cosine, newMean, newStd, methodOptions);
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
