package ai.oxbow.model.augment;

import java.util.SplittableRandom;

/** The continuous random draw behind every augmentation parameter. */
final class Draw {
    private Draw() {}

    /** Uniform in [low, high), as torch's {@code empty(1).uniform_(low, high)}. */
    static double uniform(SplittableRandom random, double low, double high) {
        return low + random.nextDouble() * (high - low);
    }
}
