package ai.oxbow.model.train;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;

import java.util.HashMap;

/** Small trainers and two augmented views of generated images, for method and trainer tests. */
public final class TestData {
    public static final int SIZE = 16;
    public static final int BATCH = 16;

    private TestData() {}

    /**
     * A method's defaults with every buffer small enough to fill in a few steps (each method
     * reads only the keys it knows).
     */
    public static TrainerConfig config(String method) {
        HashMap<String, String> options = new HashMap<>();
        for (String key : new String[] {"queue_size", "support_size", "memory_size"}) {
            options.put(key, "40");
        }
        options.put("prototypes", "30");
        options.put("output_dim", "64");
        TrainerConfig d = TrainerConfig.defaults(method, "small-cnn", 1, SIZE, BATCH);
        return new TrainerConfig(d.method(), d.encoder(), d.channels(), d.size(), d.seed(), d.optimizer(),
                d.optimizer().equals("adamw") ? 1e-3f : 0.05f, d.momentum(), d.weightDecay(), 2, 100, true,
                d.mean(), d.std(), options);
    }

    public static float trainOn(SslTrainer trainer, long seed) {
        float[][] v = views(BATCH, SIZE, 1, seed);
        return trainer.train(v[0], v[1], BATCH);
    }

    public static float[][] views(int batch, int size, int channels, long seed) {
        LabeledImages images = GeneratedImages.generate(batch, size, channels, seed);
        Augmenter augmenter = new Augmenter(Recipe.parse("mocov2", "none", size, channels,
                java.util.Map.of("blur", "0", "saturation", "0", "hue", "0", "grayscale", "0")), seed);
        int n = channels * size * size;
        float[][] views = {new float[batch * n], new float[batch * n]};
        for (int i = 0; i < batch; i++) {
            float[] chw = Pixels.toChw(images.image(i), size, size, channels, channels);
            for (int v = 0; v < 2; v++) {
                System.arraycopy(augmenter.view(chw, channels, size, size, "img-" + seed + "-" + i, v),
                        0, views[v], i * n, n);
            }
        }
        return views;
    }
}
