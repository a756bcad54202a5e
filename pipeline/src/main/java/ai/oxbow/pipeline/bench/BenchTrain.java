package ai.oxbow.pipeline.bench;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Chw;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.augment.ViewParams;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.train.ViewBatch;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.ModelOptions;
import ai.oxbow.pipeline.cli.Option;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * `bench train`: the trainer alone on generated images (no Flink, no Kafka), with the views of
 * the method's recipe (or --augment/--augment-options), beside plain PyTorch eager training of
 * the same configuration (torch_train.py on Debian's python3-torch: the exported Oxbow backbone,
 * the method's heads and loss, the same views, batch, optimiser and threads). Views are drawn
 * before timing on both sides, so the figures are training cost only: source images per second,
 * every view of each. {@code --repeats R} times the two back to back R times and reports the
 * medians; {@code --pytorch false} skips the comparison.
 */
public final class BenchTrain {
    private static final String TORCH_SCRIPT = "torch_train.py";

    private BenchTrain() {}

    /** Resident set size of this process from /proc (Linux), or -1. */
    static long residentMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static final Option<Integer> STEPS =
            Option.integer("steps", 30, "measured steps").atLeast(1);
    static final Option<Integer> WARMUP =
            Option.integer("warmup", 3, "warm-up steps before measuring").atLeast(0);
    static final Option<Integer> REPEATS = Option.integer(
                    "repeats", 1, "Oxbow and PyTorch back to back this many times (medians)")
            .atLeast(1);
    static final Option<Boolean> PYTORCH = Option.flag("pytorch", true, "also run plain PyTorch eager (python3-torch)");
    static final Option<Integer> RANKS = Option.integer(
                    "trainer-parallelism",
                    1,
                    "also train as N data-parallel"
                            + " ranks (threads of this process over TCP on 127.0.0.1) of batch / N images each, beside N"
                            + " PyTorch DistributedDataParallel processes")
            .atLeast(1);
    public static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(STEPS, WARMUP, REPEATS, PYTORCH, RANKS, JobOptions.THREADS), ModelOptions.TRAINER);

    /** What one run measures, checked before anything starts. */
    private record Settings(
            TrainerConfig config,
            Recipe recipe,
            int batch,
            int steps,
            int warmup,
            int repeats,
            boolean pytorch,
            int threads,
            String methodOptions,
            int ranks) {}

    public static Command.Run prepare(Args a) {
        TrainerConfig config = ModelOptions.trainer(a, 10_000, false, "none");
        Settings s = new Settings(
                config,
                ModelOptions.recipe(a, config, "none"),
                a.get(ModelOptions.BATCH),
                a.get(STEPS),
                a.get(WARMUP),
                a.get(REPEATS),
                a.get(PYTORCH),
                a.getOr(JobOptions.THREADS, Runtime.getRuntime().availableProcessors()),
                a.get(ModelOptions.METHOD_OPTIONS),
                a.get(RANKS));
        if (s.batch() % s.ranks() != 0 || s.batch() / s.ranks() < 2) {
            throw new IllegalArgumentException("--batch " + s.batch() + " does not split into " + s.ranks()
                    + " ranks of at least two images each");
        }
        if (s.pytorch() && Methods.MASKED.contains(config.method())) {
            throw new IllegalArgumentException("--pytorch: the PyTorch side has no " + config.method()
                    + " (masked image modelling) yet; pass --pytorch false");
        }
        return () -> run(s);
    }

    private static void run(Settings s) {
        TrainerConfig config = s.config();
        Recipe recipe = s.recipe();
        int pool = 4;
        ViewBatch[] views = new ViewBatch[pool];
        for (int b = 0; b < pool; b++) {
            views[b] = draw(
                    new Augmenter(recipe, 1),
                    GeneratedImages.generate(s.batch(), config.size(), config.channels(), 1 + b),
                    config.channels(),
                    "bench-" + b);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bench", "train");
        out.put("method", config.method());
        out.put("encoder", config.encoder());
        out.put("batch", s.batch());
        out.put("size", config.size());
        out.put("channels", config.channels());
        out.put("augment", recipe.name());
        out.put("views", recipe.views().size());
        out.put("global_views", recipe.globals());
        out.put(
                "view_sizes",
                recipe.views().stream().map(v -> String.valueOf(v.size())).collect(Collectors.joining(",")));
        out.put("threads", s.threads());
        out.put("cpu", Machine.cpu());
        out.put("steps", s.steps());
        double[] oxbow = new double[s.repeats()];
        double[] torch = new double[s.repeats()];
        try (SslTrainer trainer = new SslTrainer(config)) {
            for (int i = 0; i < s.warmup(); i++) {
                trainer.train(views[i % pool]);
            }
            long rssBefore = residentMegabytes();
            PyTorchSide side = s.pytorch() ? new PyTorchSide(trainer.publishedSnapshot()) : null;
            float loss = Float.NaN;
            try {
                for (int r = 0; r < s.repeats(); r++) {
                    long start = System.nanoTime();
                    for (int i = 0; i < s.steps(); i++) {
                        loss = trainer.train(views[i % pool]);
                    }
                    oxbow[r] = s.steps() * s.batch() / ((System.nanoTime() - start) / 1e9);
                    if (s.pytorch()) {
                        JsonObject t = pytorch(side, s);
                        torch[r] = t.get("images_per_s").getAsDouble();
                        long ours = trainableParameters(trainer);
                        long theirs = t.get("parameters").getAsLong();
                        if (ours != theirs) {
                            throw new IllegalStateException("PyTorch's model has " + theirs + " trainable parameters,"
                                    + " Oxbow's " + ours + ": not the same configuration");
                        }
                        out.put("parameters", ours);
                        out.put("pytorch_version", t.get("torch").getAsString());
                        out.put("pytorch_blas", side.blas());
                    }
                }
                if (s.pytorch() && s.ranks() > 1) {
                    double one = median(torch);
                    double ranked = pytorch(side, s, List.of("--ranks", String.valueOf(s.ranks())))
                            .get("images_per_s")
                            .getAsDouble();
                    double alone = pytorch(side, s, List.of("--ranks", String.valueOf(s.ranks()), "--skip-allreduce"))
                            .get("images_per_s")
                            .getAsDouble();
                    out.putAll(DataParallelBench.figures("pytorch_", s.ranks(), one, ranked, 1 - ranked / alone));
                }
            } finally {
                if (side != null) {
                    side.close();
                }
            }
            double median = median(oxbow);
            out.put("step_ms", 1000.0 * s.batch() / median);
            out.put("train_images_per_s", median);
            if (s.pytorch()) {
                double[] ratios = new double[s.repeats()];
                for (int r = 0; r < s.repeats(); r++) {
                    ratios[r] = oxbow[r] / torch[r];
                }
                out.put("pytorch_images_per_s", median(torch));
                out.put("ratio", median(ratios));
                out.put("ratios", Arrays.toString(ratios));
            }
            out.put("repeats", s.repeats());
            out.put("loss_last", loss);
            if (s.ranks() > 1) {
                out.putAll(DataParallelBench.oxbow(config, views, s.ranks(), s.steps(), s.warmup(), median));
            }
            // A leak of step arrays shows here first (it was ~220 MB per step without scopes).
            out.put("rss_mb_before", rssBefore);
            out.put("rss_mb_after", residentMegabytes());
        }
        System.out.println(Json.line(out));
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static long trainableParameters(SslTrainer trainer) {
        long n = 0;
        for (Network net : trainer.method().online()) {
            for (Pair<String, Parameter> p : net.trainable()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }

    private static JsonObject pytorch(PyTorchSide side, Settings s) {
        return pytorch(side, s, List.of());
    }

    /** torch_train.py on the exported backbone (its JSON line), with these arguments too. */
    private static JsonObject pytorch(PyTorchSide side, Settings s, List<String> more) {
        TrainerConfig config = s.config();
        Recipe recipe = s.recipe();
        List<String> args = new ArrayList<>(more);
        args.addAll(List.of(
                "--export",
                side.dir().toString(),
                "--method",
                config.method(),
                "--views",
                recipe.views().stream().map(v -> String.valueOf(v.size())).collect(Collectors.joining(",")),
                "--globals",
                String.valueOf(recipe.globals()),
                "--batch",
                String.valueOf(s.batch()),
                "--threads",
                String.valueOf(s.threads()),
                "--steps",
                String.valueOf(s.steps()),
                "--warmup",
                String.valueOf(s.warmup()),
                "--optimizer",
                config.optimizer(),
                "--lr",
                String.valueOf(config.learningRate()),
                "--wd",
                String.valueOf(config.weightDecay()),
                "--momentum",
                String.valueOf(config.momentum()),
                "--options",
                s.methodOptions()));
        return side.run(side.script(TORCH_SCRIPT), args);
    }

    /** Every view of the recipe for each image, as the trainer takes them. */
    static ViewBatch draw(Augmenter augmenter, LabeledImages images, int channels, String prefix) {
        int s = images.height();
        List<ViewBatch.View> views = new ArrayList<>();
        for (ViewParams v : augmenter.recipe().views()) {
            views.add(new ViewBatch.View(new float[images.count() * channels * v.size() * v.size()], v.size()));
        }
        for (int i = 0; i < images.count(); i++) {
            Chw chw = new Chw(Pixels.toChw(images.image(i), s, s, images.channels(), channels), channels, s, s);
            for (int v = 0; v < views.size(); v++) {
                float[] view = augmenter.view(chw, prefix + "-" + i, v).data();
                System.arraycopy(view, 0, views.get(v).pixels(), i * view.length, view.length);
            }
        }
        return new ViewBatch(images.count(), augmenter.recipe().globals(), views);
    }
}
