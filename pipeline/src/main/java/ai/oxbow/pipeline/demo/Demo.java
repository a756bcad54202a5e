package ai.oxbow.pipeline.demo;

import ai.oxbow.model.cluster.ClusterHead;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.eval.Clustering;
import ai.oxbow.model.eval.KMeans;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.ModelOptions;
import ai.oxbow.pipeline.cli.Option;
import ai.oxbow.pipeline.job.JobConfig;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `demo`: everything in one process on real parts. An in-process KRaft broker, N images
 * streamed into it (Fashion-MNIST, or generated images when the data set is absent), the Oxbow
 * job on a Flink MiniCluster (web UI, Prometheus reporter), then the quality protocol: kNN and
 * linear probe of the final encoder against its untrained initialisation and raw pixels, the kNN
 * of published versions over time, and one JSON summary line. With 60,000 events it is the
 * one-pass protocol of README's quality table (`bench quality`). The options become
 * {@link Settings} here; {@link DemoRun} runs the phases.
 */
public final class Demo {
    /** The quality protocol's stream: every Fashion-MNIST training image once. */
    static final int QUALITY_EVENTS = 60_000;

    public static final Option<String> ORDER = Option.string(
                    "order",
                    "iid",
                    "iid: file order; sequential: the same"
                            + " images in label blocks (classes 0-1, then 2-3, ...), a class-incremental stream")
            .oneOf("iid", "sequential");
    public static final Option<Integer> CLASSES_PER_BLOCK = Option.integer(
                    "classes-per-block", 2, "classes in each block of --order sequential")
            .atLeast(1);
    static final Option<Double> RATE = Option.decimal("rate", 0, "events/s produced (0: as fast as possible)")
            .atLeast(0);
    static final Option<String> OUT = Option.string("out", "run directory").computed("runs/demo-TIME");
    static final Option<Integer> WEB_PORT =
            Option.integer("web-port", 8081, "Flink web UI port").atLeast(0);
    public static final Option<String> PROMETHEUS_PORT = Option.string(
                    "prometheus-port", "9249", "Prometheus metrics port, or the first free one of a range FROM-TO")
            .checked(v -> v.matches("\\d+(-\\d+)?") ? null : "must be a port or a range FROM-TO");
    static final Option<Integer> EVENTS =
            Option.integer("events", 20_000, "images streamed").atLeast(1);

    /** `bench quality`'s options: the demo's but --events. */
    public static final List<Option<?>> QUALITY = JobOptions.concat(
            List.of(
                    ORDER,
                    CLASSES_PER_BLOCK,
                    JobOptions.DATA,
                    RATE,
                    OUT,
                    WEB_PORT,
                    PROMETHEUS_PORT,
                    JobOptions.THREADS),
            JobOptions.ALL,
            List.of(Args.CONFIG, Args.PRINT_CONFIG));

    public static final List<Option<?>> OPTIONS = JobOptions.concat(List.of(EVENTS), QUALITY);

    private Demo() {}

    /**
     * One demo run, checked before anything starts.
     *
     * @param fashionMnist the data set is there (else generated images are streamed)
     * @param job          the job, on the default Kafka client until the embedded broker runs
     */
    record Settings(
            int events,
            Path data,
            boolean fashionMnist,
            String order,
            int classesPerBlock,
            double rate,
            int webPort,
            String prometheusPort,
            Path runDir,
            JobConfig job) {}

    public static Command.Run prepare(Args a) {
        return new DemoRun(settings(a, a.get(EVENTS)))::run;
    }

    /**
     * `bench quality`: the one-pass protocol, the demo on all 60,000 Fashion-MNIST training images
     * (streamed once, --order iid or sequential) with every other option at its default unless
     * given; it needs the real data set. It declares no --events: the command line refuses one.
     */
    public static Command.Run quality(Args a) {
        if (!Idx.available(Path.of(a.get(JobOptions.DATA)))) {
            throw new IllegalArgumentException("bench quality needs Fashion-MNIST in --data [" + Idx.FASHION_MNIST
                    + "] (apt-get install dataset-fashion-mnist)");
        }
        return new DemoRun(settings(a, QUALITY_EVENTS))::run;
    }

    private static Settings settings(Args a, int events) {
        ReplayConfig replay = ModelOptions.replay(a);
        // The schedules run over the steps the stream will earn.
        long updates = Math.round(events * replay.updatesPerEvent());
        Path data = Path.of(a.get(JobOptions.DATA));
        boolean fashionMnist = Idx.available(data);
        String preset = fashionMnist ? "fashion-mnist" : "none";
        TrainerConfig trainer = ModelOptions.trainer(a, Math.max(1, updates / replay.batch()), true, preset);
        Path runDir = Path.of(a.getOr(
                OUT, "runs/demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        return new Settings(
                events,
                data,
                fashionMnist,
                a.get(ORDER),
                a.get(CLASSES_PER_BLOCK),
                a.get(RATE),
                a.get(WEB_PORT),
                a.get(PROMETHEUS_PORT),
                runDir,
                JobOptions.embedded(a, trainer, preset, runDir, true, updates));
    }

    /**
     * SCAN's figures on the test set by the published head (accuracy under the best one-to-one
     * map, NMI, ARI) beside k-means with as many clusters on the same features, l2-normalised
     * (k-means++ seeds, 100 Lloyd steps, seed 0): what the head must beat.
     */
    static Map<String, Object> clustering(ClusterHead head, float[] features, int[] labels, int classes) {
        int n = labels.length;
        int k = head.clusters();
        int[] scan = head.assign(features, n).clusters();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(features, i * head.dim(), (i + 1) * head.dim());
            double norm = 0;
            for (float v : rows[i]) {
                norm += v * v;
            }
            for (int d = 0; d < rows[i].length; d++) {
                rows[i][d] /= (float) Math.max(Math.sqrt(norm), 1e-12);
            }
        }
        int[] kmeans = KMeans.cluster(rows, k, 100, 0);
        Map<String, Object> out = new LinkedHashMap<>();
        int square = Math.max(k, classes);
        out.put("scan_clusters", k);
        out.put("scan_accuracy", Clustering.accuracy(scan, labels, square));
        out.put("scan_nmi", Clustering.nmi(scan, labels, k, classes));
        out.put("scan_ari", Clustering.ari(scan, labels, k, classes));
        out.put("kmeans_accuracy", Clustering.accuracy(kmeans, labels, square));
        out.put("kmeans_nmi", Clustering.nmi(kmeans, labels, k, classes));
        out.put("kmeans_ari", Clustering.ari(kmeans, labels, k, classes));
        return out;
    }

    static void log(String line) {
        System.err.println("[oxbow] " + line);
    }
}
