package ai.oxbow.model.augment;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * A crop rectangle in whole pixels, and its random draw as torchvision's
 * RandomResizedCrop.get_params (v2: {@code RandomResizedCrop._get_params}).
 */
public record CropBox(int top, int left, int height, int width) implements Serializable {

    /** The whole image. */
    public static CropBox whole(int height, int width) {
        return new CropBox(0, 0, height, width);
    }

    /**
     * torchvision's draw: up to 10 tries of an area fraction uniform in [minScale, maxScale] and
     * an aspect ratio log-uniform in [minRatio, maxRatio], sides rounded half to even (Python's
     * {@code round}) and kept if they fit, at a uniform position; otherwise a centre crop of the
     * whole image clamped to the ratio range.
     */
    public static CropBox sample(
            SplittableRandom random,
            int height,
            int width,
            double minScale,
            double maxScale,
            double minRatio,
            double maxRatio) {
        double area = (double) height * width;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * Draw.uniform(random, minScale, maxScale);
            double ratio = Math.exp(Draw.uniform(random, logMin, logMax));
            int w = (int) Math.rint(Math.sqrt(target * ratio));
            int h = (int) Math.rint(Math.sqrt(target / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = random.nextInt(height - h + 1);
                int left = random.nextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        double inRatio = (double) width / height;
        int w = width;
        int h = height;
        if (inRatio < minRatio) {
            h = (int) Math.rint(w / minRatio);
        } else if (inRatio > maxRatio) {
            w = (int) Math.rint(h * maxRatio);
        }
        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }
}
