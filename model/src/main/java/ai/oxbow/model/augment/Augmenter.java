package ai.oxbow.model.augment;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Draws the views of a {@link Recipe}. A view is a pure function of (seed, image id, view
 * index, draw): its random numbers come from a SplittableRandom seeded by {@link #mix}, so a
 * replay after failover, or on another worker, yields identical pixels. The draw number gives
 * an image that is trained again from a replay buffer fresh views (draw 0 is the first). The random parameters follow
 * torchvision's distributions, not its random stream. Views stay in [0, 1]: normalisation
 * with the data set's mean and std is the trainer's ({@code SslTrainer} normalises each batch
 * with {@code TrainerConfig.mean/std}), so it is not repeated here.
 */
public final class Augmenter implements Serializable {
    private final Recipe recipe;
    private final long seed;

    public Augmenter(Recipe recipe, long seed) {
        this.recipe = recipe;
        this.seed = seed;
    }

    public Recipe recipe() {
        return recipe;
    }

    public long seed() {
        return seed;
    }

    /** How many views the recipe draws of each image. */
    public int views() {
        return recipe.views().size();
    }

    /**
     * View number {@code view} of the image {@code id}, given as CHW floats in [0, 1] with 1 or 3
     * channels; the result has the same channels and the view's size.
     */
    public float[] view(float[] chw, int channels, int height, int width, String id, int view) {
        return view(new Chw(chw, channels, height, width), id, view).data();
    }

    /** View number {@code view} of the image {@code id} (its first draw). */
    public Chw view(Chw image, String id, int view) {
        return view(image, id, view, 0);
    }

    /** View number {@code view} of the image {@code id} at its {@code draw}-th use. */
    public Chw view(Chw image, String id, int view, long draw) {
        if (view < 0 || view >= views()) {
            throw new IllegalArgumentException("view " + view + " of a recipe with " + views() + " views");
        }
        return draw(recipe.views().get(view), image, new SplittableRandom(mix(seed, id, view, draw)));
    }

    /**
     * torchvision's composition, in its order: RandomResizedCrop (bilinear, antialiased),
     * RandomHorizontalFlip, RandomApply(ColorJitter), RandomGrayscale,
     * RandomApply(GaussianBlur with sigma uniform in its range), RandomSolarize.
     */
    private static Chw draw(ViewParams v, Chw image, SplittableRandom random) {
        CropBox box = CropBox.sample(
                random, image.height(), image.width(), v.minScale(), v.maxScale(), v.minRatio(), v.maxRatio());
        Chw out = Resize.resizedCrop(image, box, v.size(), v.size());
        if (random.nextDouble() < v.flip()) {
            out = Flip.horizontal(out);
        }
        if (random.nextDouble() < v.jitter()) {
            out = v.colorJitter().apply(out, random);
        }
        if (random.nextDouble() < v.grayscale()) {
            out = Color.grayscale(out);
        }
        if (random.nextDouble() < v.blur()) {
            out = GaussianBlur.blur(out, v.kernelSize(), Draw.uniform(random, v.minSigma(), v.maxSigma()));
        }
        if (random.nextDouble() < v.solarize()) {
            out = Color.solarize(out, v.solarizeThreshold());
        }
        return out;
    }

    /**
     * A 64-bit seed from (seed, id, view, draw): FNV-1a over the id, mixed with SplitMix64
     * constants. Draw 0 adds nothing, so first draws keep the seeds of earlier versions.
     */
    static long mix(long seed, String id, int view, long draw) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return seed * 0x9E3779B97F4A7C15L ^ h ^ (view + 1L) * 0xBF58476D1CE4E5B9L ^ draw * 0x94D049BB133111EBL;
    }
}
