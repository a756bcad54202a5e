package ai.oxbow.pipeline.ops;

import ai.oxbow.model.eval.OnlineKnn;
import ai.oxbow.model.eval.Spectrum;
import ai.oxbow.model.train.SslTrainer;

import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Watches the trainer so that nobody has to: Flink metrics (group "oxbow"), the collapse alarm,
 * a progress line, and CSV series in the run directory for `report`:
 * losses.csv (step,loss,lr), knn.csv (step,knn_top1), collapse.csv (step,collapse_std,rankme,
 * alignment,uniformity), throughput.csv (time_s,train_images_per_s,embedded_images_per_s).
 */
final class TrainerMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerMonitor.class);
    private static final int RANK_WINDOW = 512;
    private static final int QUALITY_SAMPLE = 64;

    private final SslTrainer trainer;
    private final TrainerOperator.Options options;
    private final OnlineKnn knn;
    private final Deque<float[]> window = new ArrayDeque<>();
    private final Map<String, BufferedWriter> csv = new HashMap<>();
    private final long startMs = System.currentTimeMillis();
    private long lastReportMs = startMs;
    private long embeddedTotal;
    private long embeddedAtLastReport;
    private float loss = Float.NaN;
    private volatile long embeddingLagMs;
    private double rankMe = Double.NaN;
    private double alignment = Double.NaN;
    private double uniformity = Double.NaN;
    private boolean alarm;
    private final Consumer<String> events;

    /** @param events receives alarm transitions for the run's trainer-events.log */
    TrainerMonitor(MetricGroup group, SslTrainer trainer, TrainerOperator.Options options, Consumer<String> events)
            throws IOException {
        this.trainer = trainer;
        this.options = options;
        this.events = events;
        this.knn = new OnlineKnn(trainer.embeddingDim(), options.classes(), 4096, 1000);
        MetricGroup m = group.addGroup("oxbow");
        m.gauge("loss", () -> loss);
        m.gauge("step", trainer::step);
        m.gauge("model_version", trainer::publishedVersion);
        m.gauge("learning_rate", trainer::learningRate);
        m.gauge("train_images_per_s", () -> trainer.stats().imagesPerSecond());
        m.gauge("collapse_std", () -> trainer.stats().collapseStd());
        m.gauge("collapse_std_healthy", () -> trainer.stats().healthyCollapseStd());
        m.gauge("collapse_alarm", () -> alarm ? 1 : 0);
        m.gauge("rankme", () -> rankMe);
        m.gauge("alignment", () -> alignment);
        m.gauge("uniformity", () -> uniformity);
        m.gauge("knn_top1", knn::top1);
        m.gauge("images_embedded", () -> embeddedTotal);
        m.gauge("embedding_lag_ms", () -> embeddingLagMs);
        for (String buffer : trainer.method().bufferFill().keySet()) {
            m.gauge(buffer + "_fill", () -> trainer.method().bufferFill().get(buffer));
        }
        if (options.runDir() != null) {
            Path dir = Files.createDirectories(Path.of(options.runDir()));
            for (String name : new String[] {"losses", "knn", "collapse", "throughput"}) {
                csv.put(name, Files.newBufferedWriter(dir.resolve(name + ".csv"), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND));
            }
        }
    }

    /**
     * Embeddings of clean images (labels -1 when absent) feed the online kNN and RankMe window;
     * the lag is from the oldest event time of the batch to now.
     */
    void embedded(float[] vectors, int[] labels, long oldestEventTime) {
        embeddingLagMs = System.currentTimeMillis() - oldestEventTime;
        int dim = trainer.embeddingDim();
        knn.observe(vectors, labels);
        for (int i = 0; i < labels.length; i++) {
            float[] row = new float[dim];
            System.arraycopy(vectors, i * dim, row, 0, dim);
            window.addLast(row);
            if (window.size() > RANK_WINDOW) {
                window.removeFirst();
            }
        }
        embeddedTotal += labels.length;
        write("knn", trainer.step() + "," + knn.top1());
    }

    /** After a training step; checks the collapse alarm. */
    void trained(float stepLoss) {
        loss = stepLoss;
        write("losses", trainer.step() + "," + stepLoss + "," + trainer.learningRate());
        double std = trainer.stats().collapseStd();
        boolean collapsed = std < options.collapseThreshold() * trainer.stats().healthyCollapseStd();
        if (collapsed != alarm) {
            alarm = collapsed;
            events.accept("collapse_alarm " + (alarm ? "on" : "off") + " step=" + trainer.step() + " collapse_std=" + std);
            if (alarm) {
                LOG.warn("collapse alarm at step {}: collapse_std {} below {} x healthy {}{}", trainer.step(), std,
                        options.collapseThreshold(), trainer.stats().healthyCollapseStd(),
                        options.holdOnCollapse() ? "; holding model version " + trainer.publishedVersion() : "");
            } else {
                LOG.info("collapse alarm cleared at step {}: collapse_std {}", trainer.step(), std);
            }
        }
    }

    boolean alarm() {
        return alarm;
    }

    /** Every progress interval: quality indicators on a sample of the batch, CSV lines, one progress line. */
    void maybeReport(float[] view1, float[] view2, int n, int pixelsPerImage) {
        long now = System.currentTimeMillis();
        if (now - lastReportMs < options.progressIntervalMs()) {
            return;
        }
        int k = Math.min(n, QUALITY_SAMPLE);
        float[] a = trainer.embedWithCurrent(java.util.Arrays.copyOf(view1, k * pixelsPerImage), k);
        float[] b = trainer.embedWithCurrent(java.util.Arrays.copyOf(view2, k * pixelsPerImage), k);
        int dim = trainer.embeddingDim();
        alignment = Spectrum.alignment(a, b, dim);
        uniformity = Spectrum.uniformity(a, dim);
        float[] rows = new float[window.size() * dim];
        int i = 0;
        for (float[] r : window) {
            System.arraycopy(r, 0, rows, i++ * dim, dim);
        }
        rankMe = window.isEmpty() ? Double.NaN : Spectrum.rankMe(rows, dim);
        double seconds = (now - lastReportMs) / 1e3;
        double embeddedRate = (embeddedTotal - embeddedAtLastReport) / seconds;
        embeddedAtLastReport = embeddedTotal;
        lastReportMs = now;
        write("collapse", trainer.step() + "," + trainer.stats().collapseStd() + "," + rankMe + "," + alignment
                + "," + uniformity);
        write("throughput", (now - startMs) / 1e3 + "," + trainer.stats().imagesPerSecond() + "," + embeddedRate);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "progress steps=%d images_trained=%d%s loss=%.4f lr=%.4f collapse_std=%.4f rankme=%.1f knn_top1=%.3f"
                        + " train_images_per_s=%.1f model_version=%d",
                trainer.step(), trainer.stats().imagesTrained(), eta(), loss, trainer.learningRate(),
                trainer.stats().collapseStd(), rankMe, knn.top1(), trainer.stats().imagesPerSecond(),
                trainer.publishedVersion()));
        for (Map.Entry<String, Long> f : trainer.method().bufferFill().entrySet()) {
            line.append(' ').append(f.getKey()).append('=').append(f.getValue());
        }
        if (alarm) {
            line.append(" COLLAPSE_ALARM");
        }
        System.err.println(line);
    }

    /** "/N eta_s=S" when the run knows how many images it expects (bounded demo runs). */
    private String eta() {
        long expected = options.expectedImages();
        double rate = trainer.stats().imagesPerSecond();
        if (expected <= 0 || rate <= 0) {
            return "";
        }
        return String.format(Locale.ROOT, "/%d eta_s=%.0f", expected,
                Math.max(0, expected - trainer.stats().imagesTrained()) / rate);
    }

    private void write(String name, String line) {
        BufferedWriter w = csv.get(name);
        if (w != null) {
            try {
                w.write(line);
                w.newLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    void flush() throws IOException {
        for (BufferedWriter w : csv.values()) {
            w.flush();
        }
    }

    @Override
    public void close() throws IOException {
        for (BufferedWriter w : csv.values()) {
            w.close();
        }
        csv.clear();
    }
}
