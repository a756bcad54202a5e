package ai.oxbow.model.augment;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * torchvision's ColorJitter(brightness, contrast, saturation, hue): factors uniform in
 * [max(0, 1 - x), 1 + x] for the first three and a hue shift uniform in [-hue, hue], applied in
 * a random order (torchvision draws {@code randperm(4)}). A strength of 0 disables its
 * adjustment (torchvision's {@code None}) and draws nothing for it.
 */
public record ColorJitter(double brightness, double contrast, double saturation, double hue) implements Serializable {

    /** The four adjustments, in the order torchvision lists them (the permutation indexes this). */
    private static final int BRIGHTNESS = 0;

    private static final int CONTRAST = 1;
    private static final int SATURATION = 2;
    private static final int HUE = 3;

    public ColorJitter {
        if (!(brightness >= 0 && contrast >= 0 && saturation >= 0 && hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("jitter strengths must be >= 0 and hue <= 0.5, got " + brightness + ", "
                    + contrast + ", " + saturation + ", " + hue);
        }
    }

    /** One random jitter of {@code img}. */
    public Chw apply(Chw img, SplittableRandom random) {
        int[] order = {BRIGHTNESS, CONTRAST, SATURATION, HUE};
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        // Factors are drawn in torchvision's fixed order, before any is applied.
        double b = factor(random, brightness);
        double c = factor(random, contrast);
        double s = factor(random, saturation);
        double h = hue > 0 ? Draw.uniform(random, -hue, hue) : 0;
        Chw out = img;
        for (int op : order) {
            out = switch (op) {
                case BRIGHTNESS -> brightness > 0 ? Color.adjustBrightness(out, b) : out;
                case CONTRAST -> contrast > 0 ? Color.adjustContrast(out, c) : out;
                case SATURATION -> saturation > 0 ? Color.adjustSaturation(out, s) : out;
                case HUE -> hue > 0 ? Color.adjustHue(out, h) : out;
                default -> throw new IllegalStateException("no adjustment " + op);
            };
        }
        return out;
    }

    private static double factor(SplittableRandom random, double strength) {
        return strength > 0 ? Draw.uniform(random, Math.max(0, 1 - strength), 1 + strength) : 1;
    }
}
