package ai.oxbow.pipeline.bench;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.augment.Preset;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.Option;

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

    public static final List<Option> OPTIONS = List.of(
            Option.string("recipe", "mocov2", "augmentation recipe").oneOf(Recipe.NAMES.toArray(String[]::new)),
            Option.string("preset", "none", "input preset (fashion-mnist or none)"),
            Option.integer("size", 0, "view side").computed("the preset's, else 28").atLeast(1),
            Option.integer("channels", 0, "channels").computed("the preset's, else 1").atLeast(1),
            Option.integer("source-size", 0, "side of the generated source images").computed("--size").atLeast(1),
            Option.integer("images", 256, "generated source images").atLeast(1),
            Option.integer("threads", 1, "augmentation threads").atLeast(1),
            Option.decimal("seconds", 3, "measured seconds").atLeast(0),
            Option.decimal("warmup-seconds", 1, "warm-up seconds").atLeast(0),
            Option.string("options", "", "recipe options k=v,..."));

    public static void run(Args a) {
        String name = a.get("recipe");
        Preset preset = Preset.parse(a.get("preset"));
        int size = a.getInt("size", preset.size() > 0 ? preset.size() : 28);
        int channels = a.getInt("channels", preset.channels() > 0 ? preset.channels() : 1);
        int sourceSize = a.getInt("source-size", size);
        int count = a.getInt("images");
        int threads = a.getInt("threads");
        double seconds = a.getDouble("seconds");
        double warmup = a.getDouble("warmup-seconds");
        Recipe recipe = Recipe.parse(name, preset.key(), size, channels, Recipe.parseOptions(a.get("options")));

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
