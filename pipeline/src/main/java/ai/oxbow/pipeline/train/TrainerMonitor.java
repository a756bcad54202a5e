package ai.oxbow.pipeline.ops;

import ai.oxbow.model.eval.OnlineKnn;
import ai.oxbow.model.eval.Spectrum;
import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Chw;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Watches the trainer so that nobody has to: Flink metrics (group "oxbow"), the collapse alarm,
 * a progress line, and CSV series in the run directory for `report`:
 * losses.csv (step,loss,lr), knn.csv (step,knn_top1), collapse.csv (step,collapse_std,rankme,
 * alignment,uniformity), throughput.csv (time_s,train_images_per_s,arriving_images_per_s).
 * Runs on the training thread, except the gauges (read by the metric reporters) and
 * {@link #alarm}.
 *
 * <p>Every progress interval it probes the current encoder on the most recently admitted
 * images: RankMe over up to {@value #RANK_WINDOW} of them, the online kNN (test-then-train on the
 * labelled ones not probed before), alignment and uniformity on two fresh views of
 * {@value #QUALITY_SAMPLE}.
 */
final class TrainerMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerMonitor.class);
    private static final int RANK_WINDOW = 512;
    private static final int QUALITY_SAMPLE = 64;

    private final SslTrainer trainer;
    private final Augmenter augmenter;
    private final TrainerOperator.Options options;
    private final OnlineKnn knn;
    private final Deque<ReplayItem> recent = new ArrayDeque<>();
    private final Map<String, BufferedWriter> csv = new HashMap<>();
    private final long startMs = System.currentTimeMillis();
    private long lastReportMs = startMs;
    private long arrivedTotal;
    /** Event time of the newest image admitted, for the trainer's lag behind the stream. */
    private volatile long newestEventTime = Long.MIN_VALUE;
    private long arrivedAtLastReport;
    private int unprobed;
    private volatile float loss = Float.NaN;
    private volatile double rankMe = Double.NaN;
    private volatile double alignment = Double.NaN;
    private volatile double uniformity = Double.NaN;
    private volatile boolean alarm;
    private final Map<String, Supplier<Number>> replayFigures;
    private volatile Map<String, Number> replay = Map.of();
    private final Consumer<String> events;

    /** @param events receives alarm transitions for the run's trainer-events.log */
    TrainerMonitor(MetricGroup group, SslTrainer trainer, StreamLearner learner, Augmenter augmenter,
                   TrainerOperator.Options options, Consumer<String> events) throws IOException {
        this.trainer = trainer;
        this.augmenter = augmenter;
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
        m.gauge("images_arrived", () -> arrivedTotal);
        m.gauge("trainer_lag_ms", this::lagMs);
        // The buffer changes on the training thread; the reporters read a copy taken there.
        this.replayFigures = ReplayFigures.of(learner);
        for (String name : replayFigures.keySet()) {
            m.gauge(name, () -> replay.getOrDefault(name, 0));
        }
        for (String buffer : trainer.method().bufferFill().keySet()) {
            m.gauge(buffer + "_fill", () -> trainer.method().bufferFill().get(buffer));
        }
        if (trainer.scan() != null) {
            m.gauge("scan_loss", () -> trainer.stats().scanLoss());
            m.gauge("scan_bank_fill", () -> trainer.scan().bankFill());
        }
        if (options.runDir() != null) {
            Path dir = Files.createDirectories(Path.of(options.runDir()));
            // Appended across restarts: rows of retrained steps come again, and `report` keeps the
            // last row of each step.
            for (String name : new String[] {"losses", "knn", "collapse", "throughput"}) {
                csv.put(name, Files.newBufferedWriter(dir.resolve(name + ".csv"), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND));
            }
        }
    }

    /** Images that just entered the replay buffer's admission. */
    void admitted(List<ReplayItem> items) {
        for (ReplayItem item : items) {
            recent.addLast(item);
            if (recent.size() > RANK_WINDOW) {
                recent.removeFirst();
            }
        }
        arrivedTotal += items.size();
        newestEventTime = Math.max(newestEventTime, items.get(items.size() - 1).eventTime());
        unprobed = Math.min(RANK_WINDOW, unprobed + items.size());
        copyReplayFigures();
    }

    private void copyReplayFigures() {
        Map<String, Number> copy = new HashMap<>();
        replayFigures.forEach((name, value) -> copy.put(name, value.get()));
        replay = copy;
    }

    /** After a training step; checks the collapse alarm. */
    void trained(float stepLoss) {
        loss = stepLoss;
        copyReplayFigures();
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

    /** Wall time since the event time of the newest admitted image (0 before any). */
    private long lagMs() {
        long t = newestEventTime;
        return t == Long.MIN_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - t);
    }

    /** Every progress interval: the probe, CSV lines, one progress line. */
    void maybeReport() {
        long now = System.currentTimeMillis();
        if (now - lastReportMs < options.progressIntervalMs() || recent.isEmpty()) {
            return;
        }
        probe();
        double seconds = (now - lastReportMs) / 1e3;
        double arrivedRate = (arrivedTotal - arrivedAtLastReport) / seconds;
        arrivedAtLastReport = arrivedTotal;
        lastReportMs = now;
        write("knn", trainer.step() + "," + knn.top1());
        write("collapse", trainer.step() + "," + trainer.stats().collapseStd() + "," + rankMe + "," + alignment
                + "," + uniformity);
        write("throughput", (now - startMs) / 1e3 + "," + trainer.stats().imagesPerSecond() + "," + arrivedRate);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "progress steps=%d images_trained=%d%s images_arrived=%d loss=%.4f lr=%.4f collapse_std=%.4f"
                        + " rankme=%.1f knn_top1=%.3f train_images_per_s=%.1f model_version=%d trainer_lag_s=%.0f",
                trainer.step(), trainer.stats().imagesTrained(), eta(), arrivedTotal, loss, trainer.learningRate(),
                trainer.stats().collapseStd(), rankMe, knn.top1(), trainer.stats().imagesPerSecond(),
                trainer.publishedVersion(), lagMs() / 1e3));
        for (Map.Entry<String, Long> f : trainer.method().bufferFill().entrySet()) {
            line.append(' ').append(f.getKey()).append('=').append(f.getValue());
        }
        if (alarm) {
            line.append(" COLLAPSE_ALARM");
        }
        System.err.println(line);
    }

    private void probe() {
        List<ReplayItem> items = new ArrayList<>(recent);
        int n = items.size();
        int pixels = trainer.config().pixelsPerImage();
        int c = trainer.config().channels();
        int s = trainer.config().size();
        float[] clean = new float[n * pixels];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(Pixels.unit(items.get(i).pixels()), 0, clean, i * pixels, pixels);
            labels[i] = items.get(i).label();
        }
        int dim = trainer.embeddingDim();
        float[] features = trainer.embedWithCurrent(clean, n);
        rankMe = Spectrum.rankMe(features, dim);
        int fresh = Math.min(unprobed, n);
        knn.observe(Arrays.copyOfRange(features, (n - fresh) * dim, n * dim), Arrays.copyOfRange(labels, n - fresh, n));
        unprobed = 0;
        // Two draws of the first global view: a positive pair for any recipe.
        int k = Math.min(n, QUALITY_SAMPLE);
        int viewSize = augmenter.recipe().views().get(0).size();
        int viewPixels = c * viewSize * viewSize;
        float[] v1 = new float[k * viewPixels];
        float[] v2 = new float[k * viewPixels];
        for (int i = 0; i < k; i++) {
            Chw chw = new Chw(Arrays.copyOfRange(clean, i * pixels, (i + 1) * pixels), c, s, s);
            String id = items.get(i).id();
            System.arraycopy(augmenter.view(chw, id, 0, 0).data(), 0, v1, i * viewPixels, viewPixels);
            System.arraycopy(augmenter.view(chw, id, 0, 1).data(), 0, v2, i * viewPixels, viewPixels);
        }
        float[] a = trainer.embedWithCurrent(v1, k, viewSize);
        float[] b = trainer.embedWithCurrent(v2, k, viewSize);
        alignment = Spectrum.alignment(a, b, dim);
        uniformity = Spectrum.uniformity(a, dim);
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
