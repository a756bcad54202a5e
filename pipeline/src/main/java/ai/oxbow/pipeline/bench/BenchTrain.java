package ai.oxbow.pipeline.bench;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * `bench train`: the trainer alone on generated images (no Flink, no Kafka). Views are drawn
 * before timing, so the figure is training cost only: source images per second, two views each.
 */
public final class BenchTrain {
    private BenchTrain() {}

    /** Resident set size of this process from /proc (Linux), or -1. */
    static long residentMegabytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public static void run(Args a) {
        int batch = a.getInt("batch", 64);
        int steps = a.getInt("steps", 30);
        int warmup = a.getInt("warmup", 3);
        int threads = a.getInt("threads", Runtime.getRuntime().availableProcessors());
        TrainerConfig config = JobOptions.trainer(a, 10_000, false);
        Augmenter augmenter = new Augmenter(JobOptions.recipe(a, config, "none"), 1);
        a.checkAllUsed();
        int c = config.channels();
        int s = config.size();
        int pool = 4;
        LabeledImages images = GeneratedImages.generate(batch * pool, s, c, 1);
        float[][][] views = new float[pool][2][batch * config.pixelsPerImage()];
        for (int b = 0; b < pool; b++) {
            for (int i = 0; i < batch; i++) {
                float[] chw = Pixels.toChw(images.image(b * batch + i), s, s, c, c);
                for (int v = 0; v < 2; v++) {
                    System.arraycopy(augmenter.view(chw, c, s, s, "bench-" + b + "-" + i, v), 0,
                            views[b][v], i * config.pixelsPerImage(), config.pixelsPerImage());
                }
            }
        }
        try (SslTrainer trainer = new SslTrainer(config)) {
            for (int i = 0; i < warmup; i++) {
                trainer.train(views[i % pool][0], views[i % pool][1], batch);
            }
            long rssBefore = residentMegabytes();
            long start = System.nanoTime();
            float loss = Float.NaN;
            for (int i = 0; i < steps; i++) {
                loss = trainer.train(views[i % pool][0], views[i % pool][1], batch);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "train");
            out.put("method", config.method());
            out.put("encoder", config.encoder());
            out.put("batch", batch);
            out.put("size", s);
            out.put("channels", c);
            out.put("threads", threads);
            out.put("steps", steps);
            out.put("step_ms", seconds * 1000 / steps);
            out.put("train_images_per_s", steps * batch / seconds);
            out.put("loss_last", loss);
            // A leak of step arrays shows here first (it was ~220 MB per step without scopes).
            out.put("rss_mb_before", rssBefore);
            out.put("rss_mb_after", residentMegabytes());
            System.out.println(Json.line(out));
        }
    }
}
