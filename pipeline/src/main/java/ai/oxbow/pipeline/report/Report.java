package ai.oxbow.pipeline.report;

import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.Option;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * {@code report --run DIR [--out DIR]}: PNG charts of a run directory (formats in {@link RunFiles}):
 * loss and learning rate over steps ({@code losses.csv}, required); when present, kNN top-1
 * ({@code knn.csv}), the collapse indicator with its 1/sqrt(d) reference, RankMe, alignment and
 * uniformity ({@code collapse.csv}), throughput ({@code throughput.csv}), and 2-D maps of the embeddings coloured
 * by label ({@code embeddings.csv}) by PCA and by t-SNE; then {@code report.png}, an overview sheet
 * of them all. Each chart is {@link Charts#WIDTH} × {@link Charts#HEIGHT}.
 *
 * <p>Options: {@code --out} [DIR/report], {@code --max-points} [2000] embeddings drawn (a uniform
 * sample), {@code --perplexity} [30] and {@code --tsne-iterations} [1000] for t-SNE ({@code 0} skips
 * it), {@code --proj-dim} [{@code collapse_std_healthy} or {@code projection_dim} of
 * trainer-summary.properties] for the collapse reference, {@code --seed} [1] for the sample.
 */
public final class Report {
    private Report() {}

    /** What to draw and how. */
    public record Options(int maxPoints, double perplexity, int tsneIterations, Integer projectionDim, long seed) {
        public static Options defaults() {
            return new Options(2_000, 30, 1_000, null, 1);
        }
    }

    /** The PNGs written (the overview last) and the number of embeddings drawn. */
    public record Result(Path out, List<Path> charts, int embeddingsDrawn) {}

    static final Option<String> RUN =
            Option.string("run", "a run directory (demo --out, run --run-dir)").required();
    static final Option<String> OUT = Option.string("out", "output directory").computed("<run>/report");
    static final Option<Integer> MAX_POINTS = Option.integer(
                    "max-points", Options.defaults().maxPoints(), "embeddings drawn in the 2-D map")
            .atLeast(1);
    static final Option<Double> PERPLEXITY = Option.decimal(
                    "perplexity", Options.defaults().perplexity(), "t-SNE perplexity")
            .atLeast(1);
    static final Option<Integer> TSNE_ITERATIONS = Option.integer(
                    "tsne-iterations", Options.defaults().tsneIterations(), "t-SNE iterations")
            .atLeast(1);
    static final Option<Integer> PROJ_DIM = Option.integer("proj-dim", "PCA dimensions before t-SNE")
            .computed("none")
            .atLeast(2);
    static final Option<Long> SEED =
            Option.longInteger("seed", Options.defaults().seed(), "t-SNE seed");
    public static final List<Option<?>> OPTIONS =
            List.of(RUN, OUT, MAX_POINTS, PERPLEXITY, TSNE_ITERATIONS, PROJ_DIM, SEED);

    public static Command.Run prepare(Args a) {
        Path runDir = Path.of(a.get(RUN));
        requireRunDirectory(runDir);
        Path out = Path.of(a.getOr(OUT, runDir.resolve("report").toString()));
        Options o =
                new Options(a.get(MAX_POINTS), a.get(PERPLEXITY), a.get(TSNE_ITERATIONS), a.get(PROJ_DIM), a.get(SEED));
        return () -> {
            Result r = render(runDir, out, o);
            for (Path p : r.charts()) {
                System.err.println("[oxbow] wrote " + p);
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("charts", r.charts().size());
            summary.put("out", r.out().toString());
            summary.put("embeddings_drawn", r.embeddingsDrawn());
            System.out.println(Json.line(summary));
        };
    }

    private static void requireRunDirectory(Path runDir) {
        if (!Files.isRegularFile(runDir.resolve(RunFiles.LOSSES))) {
            throw new IllegalArgumentException(
                    "no " + RunFiles.LOSSES + " in " + runDir + ": not a run directory (demo --out, run --run-dir)");
        }
    }

    public static Result render(Path runDir, Path out, Options o) throws IOException {
        System.setProperty("java.awt.headless", "true");
        requireRunDirectory(runDir);
        Files.createDirectories(out);
        Map<String, String> summary = RunFiles.summary(runDir);
        double healthy = Double.NaN; // 1/sqrt(d): the collapse indicator of spread-out features
        String healthyLabel = "1/sqrt(d)";
        if (o.projectionDim() != null) {
            healthy = 1 / Math.sqrt(o.projectionDim());
            healthyLabel = "1/sqrt(" + o.projectionDim() + ")";
        } else if (summary.containsKey("collapse_std_healthy")) {
            healthy = RunFiles.number(summary.get("collapse_std_healthy"));
        } else if (summary.containsKey("projection_dim")) {
            int d = Integer.parseInt(summary.get("projection_dim").strip());
            healthy = 1 / Math.sqrt(d);
            healthyLabel = "1/sqrt(" + d + ")";
        }
        List<Path> files = new ArrayList<>();
        List<BufferedImage> images = new ArrayList<>();

        RunFiles.Table losses = RunFiles.readTable(runDir.resolve(RunFiles.LOSSES), 3, true);
        if (losses.size() > 0) {
            double[] step = losses.column(0);
            double[] loss = losses.column(1);
            XYChart c = Charts.lineChart("Training loss", "step", "loss");
            int window = Math.max(1, losses.size() / 25) | 1;
            if (window > 1) {
                Charts.line(c, "loss", step, loss, Charts.LIGHT, 1f);
                Charts.line(
                        c,
                        "moving average (" + window + " steps)",
                        step,
                        Charts.smooth(loss, window),
                        Charts.PALETTE[0],
                        2.5f);
            } else {
                Charts.line(c, "loss", step, loss, Charts.PALETTE[0], 2f);
                c.getStyler().setLegendVisible(false);
            }
            add(c, out.resolve("loss.png"), files, images);
            XYChart lr = Charts.lineChart("Learning rate", "step", "learning rate");
            Charts.line(lr, "learning rate", step, losses.column(2), Charts.PALETTE[1], 2f);
            lr.getStyler().setLegendVisible(false);
            lr.getStyler().setYAxisDecimalPattern("0.####");
            add(lr, out.resolve("learning_rate.png"), files, images);
        }

        Path knnFile = runDir.resolve(RunFiles.KNN);
        if (Files.isRegularFile(knnFile)) {
            RunFiles.Table knn = RunFiles.readTable(knnFile, 2, true);
            if (knn.hasValues(1)) {
                XYChart c = Charts.lineChart("kNN top-1 accuracy", "step", "top-1");
                Charts.line(c, "kNN top-1", knn.column(0), knn.column(1), Charts.PALETTE[2], 2f);
                if (knn.size() <= 40) { // occasional evaluations: mark each one
                    c.getSeriesMap()
                            .values()
                            .forEach(s -> s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE));
                }
                c.getStyler().setLegendVisible(false);
                c.getStyler().setYAxisDecimalPattern("0.0%");
                add(c, out.resolve("knn.png"), files, images);
            }
        }

        Path curveFile = runDir.resolve(RunFiles.KNN_CURVE);
        if (Files.isRegularFile(curveFile)) {
            RunFiles.Table curve = RunFiles.readTable(curveFile, 3, true);
            if (curve.hasValues(2)) {
                XYChart c = Charts.lineChart(
                        "kNN top-1 of published versions over time", "seconds since start", "top-1 (subset)");
                Charts.line(c, "kNN top-1", curve.column(1), curve.column(2), Charts.PALETTE[6], 2f);
                c.getSeriesMap()
                        .values()
                        .forEach(s -> s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE));
                c.getStyler().setLegendVisible(false);
                c.getStyler().setYAxisDecimalPattern("0.0%");
                add(c, out.resolve("knn_over_time.png"), files, images);
            }
        }

        Path collapseFile = runDir.resolve(RunFiles.COLLAPSE);
        if (Files.isRegularFile(collapseFile)) {
            RunFiles.Table col = RunFiles.readTable(collapseFile, 3, true);
            double[] step = col.column(0);
            if (col.hasValues(1)) {
                XYChart c = Charts.lineChart("Collapse indicator", "step", "std of l2-normalised projections");
                Charts.line(c, "collapse std", step, col.column(1), Charts.PALETTE[3], 2f);
                if (Double.isFinite(healthy) && healthy > 0) {
                    Charts.reference(
                            c,
                            String.format(Locale.ROOT, "%s = %.4f (healthy)", healthyLabel, healthy),
                            step[0],
                            step[step.length - 1],
                            healthy,
                            Color.GRAY);
                }
                c.getStyler().setYAxisMin(0.0);
                add(c, out.resolve("collapse.png"), files, images);
            }
            if (col.hasValues(2)) {
                XYChart c = Charts.lineChart("RankMe (effective rank)", "step", "rank");
                Charts.line(c, "RankMe", step, col.column(2), Charts.PALETTE[4], 2f);
                c.getStyler().setLegendVisible(false);
                c.getStyler().setYAxisMin(0.0);
                add(c, out.resolve("rankme.png"), files, images);
            }
            if (col.hasValues(3) || col.hasValues(4)) {
                XYChart c = Charts.lineChart("Alignment and uniformity", "step", "alignment (lower is better)");
                Charts.line(c, "alignment", step, col.column(3), Charts.PALETTE[5], 2f);
                if (Charts.line(c, "uniformity (right axis)", step, col.column(4), Charts.PALETTE[9], 2f)) {
                    c.getSeriesMap().get("uniformity (right axis)").setYAxisGroup(1);
                    c.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
                    c.setYAxisGroupTitle(1, "uniformity (lower is more uniform)");
                }
                add(c, out.resolve("alignment_uniformity.png"), files, images);
            }
        }

        Path throughputFile = runDir.resolve(RunFiles.THROUGHPUT);
        if (Files.isRegularFile(throughputFile)) {
            RunFiles.Table t = RunFiles.readTable(throughputFile, 3, false);
            if (t.hasValues(1) || t.hasValues(2)) {
                XYChart c = Charts.lineChart("Throughput", "time (s)", "images / s");
                Charts.line(c, "trained (source images/s)", t.column(0), t.column(1), Charts.PALETTE[0], 2f);
                Charts.line(c, "arriving at the trainer (images/s)", t.column(0), t.column(2), Charts.PALETTE[1], 2f);
                c.getStyler().setYAxisMin(0.0);
                add(c, out.resolve("throughput.png"), files, images);
            }
        }

        int drawn = 0;
        Path embeddingsFile = runDir.resolve(RunFiles.EMBEDDINGS);
        if (Files.isRegularFile(embeddingsFile)) {
            RunFiles.Embeddings e = RunFiles.readEmbeddings(embeddingsFile, o.maxPoints(), o.seed());
            if (e.size() >= 4) {
                drawn = e.size();
                String sample = e.total() > e.size() ? e.size() + " of " + e.total() : String.valueOf(e.size());
                Pca pca = Pca.fit(e.vectors(), Math.min(50, e.vectors()[0].length));
                double[][] reduced = pca.transform(e.vectors());
                double[][] two = new double[reduced.length][];
                for (int i = 0; i < reduced.length; i++) {
                    two[i] = new double[] {reduced[i][0], pca.components() > 1 ? reduced[i][1] : 0};
                }
                add(
                        Charts.scatter(
                                "Embeddings, PCA (" + sample + ")",
                                String.format(Locale.ROOT, "PC1 (%.1f%% of variance)", 100 * pca.explained(0)),
                                pca.components() > 1
                                        ? String.format(Locale.ROOT, "PC2 (%.1f%% of variance)", 100 * pca.explained(1))
                                        : "",
                                two,
                                e.labels()),
                        out.resolve("embeddings_pca.png"),
                        files,
                        images);
                if (o.tsneIterations() > 0) {
                    double[][] map = Tsne.embed(reduced, o.perplexity(), o.tsneIterations());
                    add(
                            Charts.scatter(
                                    String.format(
                                            Locale.ROOT,
                                            "Embeddings, t-SNE (%s, perplexity %.0f)",
                                            sample,
                                            Math.min(o.perplexity(), (e.size() - 1) / 3.0)),
                                    "t-SNE 1",
                                    "t-SNE 2",
                                    map,
                                    e.labels()),
                            out.resolve("embeddings_tsne.png"),
                            files,
                            images);
                }
            }
        }

        if (images.isEmpty()) {
            throw new IllegalArgumentException(
                    "nothing to draw in " + runDir + ": " + RunFiles.LOSSES + " has no steps");
        }
        Path sheet = out.resolve("report.png");
        Charts.write(
                Charts.overview(
                        "Oxbow run " + runDir.toAbsolutePath().normalize().getFileName(),
                        subtitle(summary, losses),
                        images),
                sheet);
        files.add(sheet);
        return new Result(out, files, drawn);
    }

    private static void add(XYChart chart, Path file, List<Path> files, List<BufferedImage> images) throws IOException {
        images.add(Charts.save(chart, file));
        files.add(file);
    }

    /** One line of the run's figures, from trainer-summary.properties and losses.csv. */
    static String subtitle(Map<String, String> summary, RunFiles.Table losses) {
        List<String> parts = new ArrayList<>();
        for (String key :
                List.of("method", "encoder", "batch", "steps", "images_trained", "train_images_per_s", "knn_top1")) {
            if (summary.containsKey(key)) {
                parts.add(key + " " + shortNumber(summary.get(key)));
            }
        }
        if (!summary.containsKey("steps") && losses.size() > 0) {
            parts.add("steps " + (long) losses.column(0)[losses.size() - 1]);
        }
        if (losses.size() > 0) {
            double[] loss = losses.column(1);
            parts.add(String.format(Locale.ROOT, "loss %.4g \u2192 %.4g", loss[0], loss[loss.length - 1]));
        }
        return String.join("   \u00b7   ", parts);
    }

    private static String shortNumber(String v) {
        try {
            double d = Double.parseDouble(v);
            return d == Math.rint(d) && Math.abs(d) < 1e15
                    ? String.valueOf((long) d)
                    : String.format(Locale.ROOT, "%.4g", d);
        } catch (NumberFormatException e) {
            return v;
        }
    }
}
