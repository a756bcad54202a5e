package ai.oxbow.pipeline.train;

import ai.oxbow.model.eval.OnlineProbe;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.pipeline.report.RunFiles;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the trainer so that nobody has to: Flink metrics (group "oxbow"), the collapse alarm,
 * and every progress interval the {@link OnlineProbe}, rows of the CSV series in the run
 * directory for `report` (losses.csv every step; knn.csv, collapse.csv and throughput.csv every
 * interval) and one progress line (logger {@value #PROGRESS_LOGGER}). Runs on the training
 * thread, except the gauges (read by the metric reporters) and {@link #alarm}.
 */
final class TrainerMonitor {
    /** The progress line's own logger: the local runs' log configuration prints its bare message. */
    static final String PROGRESS_LOGGER = "oxbow.progress";

    private static final Logger LOG = LoggerFactory.getLogger(TrainerMonitor.class);
    private static final Logger PROGRESS = LoggerFactory.getLogger(PROGRESS_LOGGER);

    private final SslTrainer trainer;
    private final TrainerOptions options;
    private final OnlineProbe probe;
    private final RunDirectory files;
    private final long startMs = System.currentTimeMillis();
    private long lastReportMs = startMs;
    private long arrivedTotal;
    /** Event time of the newest image admitted, for the trainer's lag behind the stream. */
    private volatile long newestEventTime = Long.MIN_VALUE;

    private long arrivedAtLastReport;
    private volatile float loss = Float.NaN;
    private volatile boolean alarm;
    private final Map<String, Supplier<Number>> replayFigures;
    private volatile Map<String, Number> replay = Map.of();
    /** Only rank 0 of a trainer group probes and reports progress: the ranks hold the same model. */
    private final boolean reports;

    private final int ranks;
    /** Milliseconds of the last step spent exchanging with the other ranks, and their share of steps. */
    private volatile double allreduceMs;

    private volatile double commShare;
    private long exchangeNanos;
    private long stepNanos;
    private long lastShareMs = System.currentTimeMillis();

    TrainerMonitor(
            MetricGroup group,
            SslTrainer trainer,
            StreamLearner learner,
            OnlineProbe probe,
            TrainerOptions options,
            RunDirectory files,
            int rank,
            int ranks) {
        this.trainer = trainer;
        this.options = options;
        this.probe = probe;
        this.files = files;
        this.reports = rank == 0;
        this.ranks = ranks;
        MetricGroup m = group.addGroup("oxbow");
        m.gauge("rank", () -> rank);
        m.gauge("trainer_parallelism", () -> ranks);
        m.gauge("allreduce_ms", () -> allreduceMs);
        m.gauge("comm_share", () -> commShare);
        m.gauge("loss", () -> loss);
        m.gauge("step", trainer::steps);
        m.gauge("model_version", trainer::publishedVersion);
        m.gauge("learning_rate", trainer::learningRate);
        m.gauge("train_images_per_s", () -> trainer.stats().imagesPerSecond());
        m.gauge("collapse_std", () -> trainer.stats().collapseStd());
        m.gauge("collapse_std_healthy", () -> trainer.stats().healthyCollapseStd());
        m.gauge("collapse_alarm", () -> alarm ? 1 : 0);
        m.gauge("rankme", probe::rankMe);
        m.gauge("alignment", probe::alignment);
        m.gauge("uniformity", probe::uniformity);
        m.gauge("knn_top1", probe::knnTop1);
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
    }

    /** Images that just entered the replay buffer's admission. */
    void admitted(List<ReplayItem> items) {
        probe.admitted(items);
        arrivedTotal += items.size();
        newestEventTime = Math.max(newestEventTime, items.get(items.size() - 1).eventTime());
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
        files.row(RunFiles.LOSSES, trainer.steps() + "," + stepLoss + "," + trainer.learningRate());
        double std = trainer.stats().collapseStd();
        boolean collapsed = std < options.collapseThreshold() * trainer.stats().healthyCollapseStd();
        if (collapsed != alarm) {
            alarm = collapsed;
            files.event(
                    "collapse_alarm " + (alarm ? "on" : "off") + " step=" + trainer.steps() + " collapse_std=" + std);
            if (alarm) {
                LOG.warn(
                        "collapse alarm at step {}: collapse_std {} below {} x healthy {}{}",
                        trainer.steps(),
                        std,
                        options.collapseThreshold(),
                        trainer.stats().healthyCollapseStd(),
                        options.holdOnCollapse() ? "; holding model version " + trainer.publishedVersion() : "");
            } else {
                LOG.info("collapse alarm cleared at step {}: collapse_std {}", trainer.steps(), std);
            }
        }
    }

    boolean alarm() {
        return alarm;
    }

    /**
     * After a step of a group: nanoseconds it spent exchanging with the other ranks, of its total;
     * {@code comm_share} is their ratio over each progress interval.
     */
    void exchanged(long exchange, long step) {
        allreduceMs = exchange / 1e6;
        exchangeNanos += exchange;
        stepNanos += step;
        long now = System.currentTimeMillis();
        if (now - lastShareMs >= options.progressIntervalMs()) {
            commShare = (double) exchangeNanos / stepNanos;
            exchangeNanos = 0;
            stepNanos = 0;
            lastShareMs = now;
        }
    }

    /** Wall time since the event time of the newest admitted image (0 before any). */
    private long lagMs() {
        long t = newestEventTime;
        return t == Long.MIN_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - t);
    }

    /** Every progress interval: the probe, CSV rows, one progress line. */
    void maybeReport() {
        long now = System.currentTimeMillis();
        if (!reports || now - lastReportMs < options.progressIntervalMs() || !probe.hasImages()) {
            return;
        }
        probe.probe();
        double seconds = (now - lastReportMs) / 1e3;
        double arrivedRate = (arrivedTotal - arrivedAtLastReport) / seconds;
        arrivedAtLastReport = arrivedTotal;
        lastReportMs = now;
        files.row(RunFiles.KNN, trainer.steps() + "," + probe.knnTop1());
        files.row(
                RunFiles.COLLAPSE,
                trainer.steps() + "," + trainer.stats().collapseStd() + "," + probe.rankMe() + "," + probe.alignment()
                        + "," + probe.uniformity());
        files.row(
                RunFiles.THROUGHPUT,
                (now - startMs) / 1e3 + "," + trainer.stats().imagesPerSecond() + "," + arrivedRate);
        StringBuilder line = new StringBuilder(String.format(
                Locale.ROOT,
                "progress steps=%d images_trained=%d%s images_arrived=%d loss=%.4f lr=%.4f collapse_std=%.4f"
                        + " rankme=%.1f knn_top1=%.3f train_images_per_s=%.1f model_version=%d trainer_lag_s=%.0f",
                trainer.steps(),
                trainer.stats().imagesTrained(),
                eta(),
                arrivedTotal,
                loss,
                trainer.learningRate(),
                trainer.stats().collapseStd(),
                probe.rankMe(),
                probe.knnTop1(),
                trainer.stats().imagesPerSecond(),
                trainer.publishedVersion(),
                lagMs() / 1e3));
        for (Map.Entry<String, Long> f : trainer.method().bufferFill().entrySet()) {
            line.append(' ').append(f.getKey()).append('=').append(f.getValue());
        }
        if (ranks > 1) {
            line.append(String.format(Locale.ROOT, " ranks=%d comm_share=%.3f", ranks, commShare));
        }
        if (alarm) {
            line.append(" COLLAPSE_ALARM");
        }
        PROGRESS.info("{}", line);
    }

    /** "/N eta_s=S" when the run knows how many images it expects (bounded demo runs). */
    private String eta() {
        long expected = options.expectedImages();
        double rate = trainer.stats().imagesPerSecond();
        if (expected <= 0 || rate <= 0) {
            return "";
        }
        return String.format(
                Locale.ROOT,
                "/%d eta_s=%.0f",
                expected,
                Math.max(0, expected - trainer.stats().imagesTrained()) / rate);
    }
}
