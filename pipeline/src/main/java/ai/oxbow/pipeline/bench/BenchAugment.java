package ai.oxbow.pipeline.bench;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.augment.Preset;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.util.KeyValues;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
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

    static final Option<String> RECIPE =
            Option.string("recipe", "mocov2", "augmentation recipe").oneOf(Recipe.NAMES.toArray(String[]::new));
    static final Option<String> PRESET = Option.string("preset", "none", "input preset (fashion-mnist or none)");
    static final Option<Integer> SIZE = Option.integer("size", "view side")
            .computed("the preset's, else 28")
            .atLeast(1);
    static final Option<Integer> CHANNELS = Option.integer("channels", "channels")
            .computed("the preset's, else 1")
            .atLeast(1);
    static final Option<Integer> SOURCE_SIZE = Option.integer("source-size", "side of the generated source images")
            .computed("--size")
            .atLeast(1);
    static final Option<Integer> IMAGES =
            Option.integer("images", 256, "generated source images").atLeast(1);
    static final Option<Integer> THREADS =
            Option.integer("threads", 1, "augmentation threads").atLeast(1);
    static final Option<Double> SECONDS =
            Option.decimal("seconds", 3, "measured seconds").atLeast(0);
    static final Option<Double> WARMUP_SECONDS =
            Option.decimal("warmup-seconds", 1, "warm-up seconds").atLeast(0);
    static final Option<String> RECIPE_OPTIONS = Option.string("options", "", "recipe options k=v,...");
    public static final List<Option<?>> OPTIONS = List.of(
            RECIPE, PRESET, SIZE, CHANNELS, SOURCE_SIZE, IMAGES, THREADS, SECONDS, WARMUP_SECONDS, RECIPE_OPTIONS);

    public static Command.Run prepare(Args a) {
        String name = a.get(RECIPE);
        Preset preset = Preset.parse(a.get(PRESET));
        int size = a.getOr(SIZE, preset.size() > 0 ? preset.size() : 28);
        int channels = a.getOr(CHANNELS, preset.channels() > 0 ? preset.channels() : 1);
        int sourceSize = a.getOr(SOURCE_SIZE, size);
        int count = a.get(IMAGES);
        int threads = a.get(THREADS);
        double seconds = a.get(SECONDS);
        double warmup = a.get(WARMUP_SECONDS);
        Recipe recipe = Recipe.parse(
                name, preset.key(), size, channels, KeyValues.list(RECIPE_OPTIONS.subject(), a.get(RECIPE_OPTIONS)));
        return () -> run(recipe, preset, size, channels, sourceSize, count, threads, seconds, warmup);
    }

    private static void run(
            Recipe recipe,
            Preset preset,
            int size,
            int channels,
            int sourceSize,
            int count,
            int threads,
            double seconds,
            double warmup) {
        String name = recipe.name();
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
    private static long drawFor(
            ExecutorService pool,
            int threads,
            Augmenter augmenter,
            float[][] sources,
            int sourceSize,
            int channels,
            double seconds) {
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
