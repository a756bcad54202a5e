package ai.oxbow.pipeline.bench;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.augment.Preset;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * `bench augment`: every view of a recipe drawn from generated images (already float CHW, so
 * the figure is augmentation cost only), for a fixed time after a warm-up, on one or more
 * threads. Compare views_per_s_per_core with the trainer's views per second (`bench train`
 * images per second times the views per image).
 */
public final class BenchAugment {
    private BenchAugment() {}

    public static void run(Args a) {
        String name = a.get("recipe", "mocov2");
        Preset preset = Preset.parse(a.get("preset", "none"));
        int size = a.getInt("size", preset.size() > 0 ? preset.size() : 28);
        int channels = a.getInt("channels", preset.channels() > 0 ? preset.channels() : 1);
        int sourceSize = a.getInt("source-size", size);
        int count = a.getInt("images", 256);
        int threads = a.getInt("threads", 1);
        double seconds = a.getDouble("seconds", 3);
        double warmup = a.getDouble("warmup-seconds", 1);
        Recipe recipe = Recipe.parse(name, preset.key(), size, channels, Recipe.parseOptions(a.get("options", "")));
        a.checkAllUsed();

        LabeledImages images = GeneratedImages.generate(count, sourceSize, channels, 1);
        float[][] sources = new float[count][];
        for (int i = 0; i < count; i++) {
            sources[i] = Pixels.toChw(images.image(i), sourceSize, sourceSize, channels, channels);
        }
        Augmenter augmenter = new Augmenter(recipe, 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            drawFor(pool, threads, augmenter, sources, sourceSize, channels, warmup);
            long start = System.nanoTime();
            long views = drawFor(pool, threads, augmenter, sources, sourceSize, channels, seconds);
            double elapsed = (System.nanoTime() - start) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "augment");
            out.put("recipe", name);
            out.put("preset", preset.key());
            out.put("size", size);
            out.put("source_size", sourceSize);
            out.put("channels", channels);
            out.put("views_per_image", augmenter.views());
            out.put("threads", threads);
            out.put("views", views);
            out.put("seconds", elapsed);
            out.put("views_per_s", views / elapsed);
            out.put("views_per_s_per_core", views / elapsed / threads);
            out.put("images_per_s_per_core", views / elapsed / threads / augmenter.views());
            out.put("us_per_view", elapsed * 1e6 * threads / views);
            System.out.println(Json.line(out));
        } finally {
            pool.shutdownNow();
        }
    }

    /** Views drawn by {@code threads} workers in turn over the images until {@code seconds} pass. */
    private static long drawFor(ExecutorService pool, int threads, Augmenter augmenter, float[][] sources,
                                int sourceSize, int channels, double seconds) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Future<Long>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            workers.add(pool.submit(() -> {
                long views = 0;
                for (int i = first; System.nanoTime() < deadline; i += threads) {
                    float[] image = sources[i % sources.length];
                    for (int v = 0; v < augmenter.views(); v++) {
                        augmenter.view(image, channels, sourceSize, sourceSize, "bench-" + i, v);
                        views++;
                    }
                }
                return views;
            }));
        }
        long views = 0;
        try {
            for (Future<Long> w : workers) {
                views += w.get();
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("augmentation benchmark failed", e);
        }
        return views;
    }
}
