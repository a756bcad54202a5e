package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.augment.ViewParams;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.state.StateVisitor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small trainers and augmented views of generated images, for method and trainer tests. */
public final class TestData {
    public static final int SIZE = 16;
    public static final int BATCH = 16;

    private TestData() {}

    /** {@link #config(String, String)} on small-cnn. */
    public static TrainerConfig config(String method) {
        return config(method, "small-cnn");
    }

    /**
     * A method's defaults on an encoder with every buffer small enough to fill in a few steps
     * (each method reads only the keys it knows).
     */
    public static TrainerConfig config(String method, String encoder) {
        HashMap<String, String> options = new HashMap<>();
        for (String key : new String[] {"queue_size", "support_size", "memory_size"}) {
            options.put(key, "40");
        }
        options.put("prototypes", "30");
        options.put("output_dim", "64");
        TrainerConfig d = TrainerConfig.defaults(method, encoder, 1, SIZE, BATCH);
        // A transformer after a 2-step warm-up diverged at 0.05 in one run of fifty BYOL steps
        // (a NaN at step 26 on a loaded machine): vit-tiny takes a fifth of the CNNs' rate.
        float lr = d.optimizer().equals("adamw") ? 1e-3f : encoder.equals("vit-tiny") ? 0.01f : 0.05f;
        return d.withOptions(options).withSchedule(lr, 2, 100, true);
    }

    /** Every entry of a trainer's state: tensors as their bytes, scalars as longs. */
    public static Map<String, Object> entries(SslTrainer trainer) {
        Map<String, Object> out = new LinkedHashMap<>();
        trainer.visit(new StateVisitor() {
            @Override
            public void tensor(String name, NDArray live) {
                ByteBuffer b = live.toByteBuffer();
                byte[] raw = new byte[b.remaining()];
                b.get(raw);
                out.put(name, ByteBuffer.wrap(raw));
            }

            @Override
            public long scalar(String name, long value) {
                out.put(name, value);
                return value;
            }
        });
        return out;
    }

    /** One step on two global views. */
    public static float trainOn(SslTrainer trainer, long seed) {
        float[][] v = views(BATCH, SIZE, 1, seed);
        return trainer.train(ViewBatch.pair(v[0], v[1], BATCH, SIZE));
    }

    /** One step on two global views and two local crops of half the size (multi-crop). */
    public static float trainMultiCropOn(SslTrainer trainer, long seed) {
        return trainer.train(multiCrop(BATCH, SIZE, seed));
    }

    public static float[][] views(int batch, int size, int channels, long seed) {
        ViewBatch b = draw(batch, size, channels, seed, Map.of());
        return new float[][] {b.views().get(0).pixels(), b.views().get(1).pixels()};
    }

    public static ViewBatch multiCrop(int batch, int size, long seed) {
        return draw(batch, size, 1, seed, Map.of("local_crops", "2", "local.size", String.valueOf(size / 2)));
    }

    private static ViewBatch draw(int batch, int size, int channels, long seed, Map<String, String> extra) {
        LabeledImages images = GeneratedImages.generate(batch, size, channels, seed);
        Map<String, String> options =
                new HashMap<>(Map.of("blur", "0", "saturation", "0", "hue", "0", "grayscale", "0"));
        options.putAll(extra);
        Recipe recipe = Recipe.parse("mocov2", "none", size, channels, options);
        Augmenter augmenter = new Augmenter(recipe, seed);
        List<ViewBatch.View> views = new ArrayList<>();
        for (ViewParams view : recipe.views()) {
            views.add(new ViewBatch.View(new float[batch * channels * view.size() * view.size()], view.size()));
        }
        for (int i = 0; i < batch; i++) {
            float[] chw = Pixels.toChw(images.image(i), size, size, channels, channels);
            for (int v = 0; v < views.size(); v++) {
                float[] view = augmenter.view(chw, channels, size, size, "img-" + seed + "-" + i, v);
                System.arraycopy(view, 0, views.get(v).pixels(), i * view.length, view.length);
            }
        }
        return new ViewBatch(batch, recipe.globals(), views);
    }
}
