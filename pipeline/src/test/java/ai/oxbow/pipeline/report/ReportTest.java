package ai.oxbow.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.pipeline.cli.Args;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report on a fake run directory with small CSVs of every kind. */
class ReportTest {
    static final int STEPS = 60;
    static final int DIM = 16;

    /** A run directory as the trainer would leave it (losses.csv with a failover's replayed steps). */
    static Path fakeRun(Path dir, boolean everything) throws IOException {
        Files.createDirectories(dir);
        StringBuilder losses = new StringBuilder();
        for (int s = 1; s <= STEPS; s++) {
            losses.append(s)
                    .append(',')
                    .append(fmt(8 - 2 * Math.log1p(s) / Math.log1p(STEPS) + 0.1 * Math.sin(s)))
                    .append(',')
                    .append(fmt(0.075 * Math.min(1, s / 10.0)))
                    .append('\n');
            if (s == 40) {
                for (int r = 35; r <= 40; r++) { // replayed after a restore: the last line of a step wins
                    losses.append(r).append(",7.0,0.075\n");
                }
            }
        }
        Files.writeString(dir.resolve(RunFiles.LOSSES), losses);
        if (!everything) {
            return dir;
        }
        Files.writeString(dir.resolve(RunFiles.KNN), "step,knn_top1\n10,0.41\n30,0.55\n60,0.63\n");
        StringBuilder collapse = new StringBuilder("step,collapse_std,rankme,alignment,uniformity\n");
        for (int s = 1; s <= STEPS; s++) {
            collapse.append(s)
                    .append(',')
                    .append(fmt(0.06 + 0.02 * s / STEPS))
                    .append(',')
                    .append(s % 5 == 0 ? fmt(20 + s) : "NaN")
                    .append(',')
                    .append(fmt(1.2 - s / 100.0))
                    .append(',')
                    .append(fmt(-1 - s / 30.0))
                    .append('\n');
        }
        Files.writeString(dir.resolve(RunFiles.COLLAPSE), collapse);
        Files.writeString(
                dir.resolve(RunFiles.THROUGHPUT),
                "time_s,train_images_per_s,arriving_images_per_s\n5,40.5,41\n10,52.1,52\n15,55.0,56.5\n20,54.2,54\n");
        Random r = new Random(3);
        StringBuilder emb = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            int label = i % 3;
            emb.append(label);
            for (int d = 0; d < DIM; d++) {
                emb.append(',').append(fmt((d % 3 == label ? 4 : 0) + r.nextGaussian()));
            }
            emb.append('\n');
        }
        Files.writeString(dir.resolve(RunFiles.EMBEDDINGS), emb);
        Files.writeString(
                dir.resolve(RunFiles.SUMMARY),
                "method=mocov2\nencoder=small-cnn\nsteps=60\ncollapse_std_healthy=0.0883883\n");
        return dir;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.5f", v);
    }

    static BufferedImage png(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), "written: " + file);
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, "a readable PNG: " + file);
        return image;
    }

    @Test
    void everyChartIsAValidPngOfTheExpectedSize(@TempDir Path dir) throws Exception {
        Path run = fakeRun(dir.resolve("run"), true);
        Report.Result r = Report.render(run, dir.resolve("out"), new Report.Options(100, 30, 300, null, 1));

        Set<String> names =
                r.charts().stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        assertEquals(
                Set.of(
                        "loss.png",
                        "learning_rate.png",
                        "knn.png",
                        "collapse.png",
                        "rankme.png",
                        "alignment_uniformity.png",
                        "throughput.png",
                        "embeddings_pca.png",
                        "embeddings_tsne.png",
                        "report.png"),
                names);
        assertEquals(
                "report.png",
                r.charts().get(r.charts().size() - 1).getFileName().toString(),
                "overview last");
        for (Path p : r.charts()) {
            BufferedImage image = png(p);
            if (!p.endsWith("report.png")) {
                assertEquals(Charts.WIDTH, image.getWidth(), p.toString());
                assertEquals(Charts.HEIGHT, image.getHeight(), p.toString());
            }
        }
        BufferedImage sheet = png(dir.resolve("out/report.png"));
        assertEquals(2 * Charts.WIDTH, sheet.getWidth());
        assertEquals(Charts.TITLE_HEIGHT + 5 * Charts.HEIGHT, sheet.getHeight(), "9 charts, two per row");
        assertEquals(100, r.embeddingsDrawn(), "a sample of --max-points");
        assertTrue(colours(png(dir.resolve("out/embeddings_pca.png"))) > 3, "the map is coloured by label");
    }

    /** Distinct strongly saturated colours: the scatter's label colours, not the grey frame and text. */
    static int colours(BufferedImage image) {
        Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                int r = rgb >> 16;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 80) {
                    seen.add(rgb);
                }
            }
        }
        return seen.size();
    }

    @Test
    void aRunWithOnlyLossesGivesLossLearningRateAndTheOverview(@TempDir Path dir) throws Exception {
        Path run = fakeRun(dir, false);
        Report.Result r = Report.render(run, dir.resolve("report"), Report.Options.defaults());
        assertEquals(
                List.of("loss.png", "learning_rate.png", "report.png"),
                r.charts().stream().map(p -> p.getFileName().toString()).toList());
        BufferedImage sheet = png(dir.resolve("report/report.png"));
        assertEquals(Charts.TITLE_HEIGHT + Charts.HEIGHT, sheet.getHeight());
    }

    @Test
    void theLastLineOfAReplayedStepWins(@TempDir Path dir) throws Exception {
        RunFiles.Table t = RunFiles.readTable(fakeRun(dir, false).resolve(RunFiles.LOSSES), 3, true);
        assertEquals(STEPS, t.size(), "one record per step");
        assertEquals(7.0, t.column(1)[37], 0, "step 38 as replayed");
        for (int i = 0; i < STEPS; i++) {
            assertEquals(i + 1, t.column(0)[i], 0, "sorted by step");
        }
    }

    @Test
    void theCommandPrintsAJsonLineAndTheFilesItWrote(@TempDir Path dir) throws Exception {
        Path run = fakeRun(dir.resolve("run"), false);
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            Report.prepare(Args.parse(Report.OPTIONS, "--run", run.toString())).run();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        Path report = run.resolve("report");
        assertEquals(
                "{\"charts\":3,\"out\":\"" + report + "\",\"embeddings_drawn\":0}",
                out.toString().strip());
        assertTrue(err.toString().contains("wrote " + report.resolve("loss.png")), err.toString());
        png(report.resolve("learning_rate.png"));
    }

    @Test
    void headersCommentsAndMissingValuesAreRead(@TempDir Path dir) throws Exception {
        Path f = dir.resolve(RunFiles.COLLAPSE);
        Files.writeString(f, "step,collapse_std,rankme\n# comment\n\n1,0.1,nan\n2,0.2,\n3,NaN,12.5\n");
        RunFiles.Table t = RunFiles.readTable(f, 3, true);
        assertEquals(3, t.size());
        assertTrue(Double.isNaN(t.column(2)[0]) && Double.isNaN(t.column(2)[1]) && Double.isNaN(t.column(1)[2]));
        assertEquals(12.5, t.column(2)[2], 0);
        Files.writeString(f, "1,0.1,0.2\n2,oops,0.3\n");
        IOException e = assertThrows(IOException.class, () -> RunFiles.readTable(f, 3, true));
        assertTrue(e.getMessage().contains(":2:"), "names the line: " + e.getMessage());
    }

    @Test
    void embeddingsWrittenForTheReportReadBack(@TempDir Path dir) throws Exception {
        float[] v = {1, 2, 3, 4, 5, 6};
        RunFiles.writeEmbeddings(dir, new int[] {7, 8, 9}, v, 2, 2);
        RunFiles.Embeddings e = RunFiles.readEmbeddings(dir.resolve(RunFiles.EMBEDDINGS), 10, 1);
        assertEquals(2, e.size());
        assertEquals(List.of("7", "8"), List.of(e.labels()));
        assertEquals(4.0, e.vectors()[1][1], 0);
        RunFiles.Embeddings sample = RunFiles.readEmbeddings(dir.resolve(RunFiles.EMBEDDINGS), 1, 1);
        assertEquals(1, sample.size());
        assertEquals(2, sample.total());
    }

    @Test
    void aDirectoryWithoutLossesIsAnError(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Report.prepare(Args.parse(Report.OPTIONS, "--run", dir.toString())));
        assertTrue(e.getMessage().contains("losses.csv"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Args.parse(Report.OPTIONS));
        assertThrows(
                IllegalArgumentException.class,
                () -> Args.parse(Report.OPTIONS, "--run", dir.toString(), "--bogus", "1"));
    }
}
