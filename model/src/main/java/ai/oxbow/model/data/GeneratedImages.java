package ai.oxbow.model.data;

import java.util.SplittableRandom;

/**
 * Labelled synthetic images for tests and benchmarks without a data set: ten classes of
 * simple shapes (bars at four angles, boxes, discs, rings, crosses, diagonals, blobs) at random
 * positions and scales over noise, so that a learner has something to learn.
 */
public final class GeneratedImages {
    public static final int CLASSES = 10;

    private GeneratedImages() {}

    public static LabeledImages generate(int count, int size, int channels, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] pixels = new byte[count * size * size * channels];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(CLASSES);
            labels[i] = label;
            double cx = size * (0.35 + 0.3 * random.nextDouble());
            double cy = size * (0.35 + 0.3 * random.nextDouble());
            double r = size * (0.2 + 0.15 * random.nextDouble());
            double[] tint = {
                0.6 + 0.4 * random.nextDouble(), 0.6 + 0.4 * random.nextDouble(), 0.6 + 0.4 * random.nextDouble()
            };
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double v = shape(label, (x - cx) / r, (y - cy) / r) ? 0.9 : 0.1;
                    v += 0.1 * (random.nextDouble() - 0.5);
                    for (int c = 0; c < channels; c++) {
                        double t = channels == 1 ? 1 : tint[c % 3];
                        pixels[((i * size + y) * size + x) * channels + c] =
                                (byte) Math.round(255 * Math.min(1, Math.max(0, v * t)));
                    }
                }
            }
        }
        return new LabeledImages(pixels, count, size, size, channels, labels);
    }

    private static boolean shape(int label, double u, double v) {
        double d = Math.hypot(u, v);
        return switch (label) {
            case 0 -> Math.abs(v) < 0.25 && Math.abs(u) < 1;
            case 1 -> Math.abs(u) < 0.25 && Math.abs(v) < 1;
            case 2 -> Math.abs(u - v) < 0.3 && d < 1;
            case 3 -> Math.abs(u + v) < 0.3 && d < 1;
            case 4 -> Math.abs(u) < 0.8 && Math.abs(v) < 0.8;
            case 5 -> d < 0.9;
            case 6 -> d < 1 && d > 0.6;
            case 7 -> (Math.abs(u) < 0.2 || Math.abs(v) < 0.2) && d < 1;
            case 8 -> Math.abs(u) < 1 && Math.abs(v) < 1 && (Math.abs(u) > 0.7 || Math.abs(v) > 0.7);
            default -> v > 0 && d < 1;
        };
    }
}
