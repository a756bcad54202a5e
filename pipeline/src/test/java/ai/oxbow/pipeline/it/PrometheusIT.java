package ai.oxbow.pipeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.BadEvents;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.kafka.EmbeddedKafka;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.local.LocalFlink;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.pipeline.train.TrainerOptions;
import ai.oxbow.schemas.ImageEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monitoring end to end on real parts: the job runs on an in-process broker and a Flink
 * MiniCluster with the Prometheus reporter; a real Prometheus server (Debian's package,
 * {@code apt-get install -y prometheus}; {@code scripts/test.sh} installs it) scrapes it with the
 * shipped {@code deploy/prometheus/prometheus.yml} (target and interval rewritten), and the
 * trainer's metrics are read back through Prometheus's query API. Every query of the Grafana
 * dashboard is then evaluated by that server: all must be valid PromQL, and the ones whose
 * metrics this job exports must return series.
 */
class PrometheusIT {
    /** Debian's package; {@code -Doxbow.prometheus=PATH} for another binary. */
    static final String PROMETHEUS = System.getProperty("oxbow.prometheus", "/usr/bin/prometheus");

    static final String OP = "flink_taskmanager_job_task_operator_";
    static final String REPORTER_PORTS = "9400-9499";
    static final Duration TIMEOUT = Duration.ofMinutes(4);
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void prometheusScrapesTheTrainerAndEveryDashboardQueryEvaluates(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(Path.of(PROMETHEUS))) {
            fail(PROMETHEUS + " not found: this test runs a real Prometheus server. Install it with "
                    + "`apt-get install -y prometheus` (as root; scripts/test.sh does it), then run the tests again.");
        }
        Path repo = repoRoot();
        String config = Files.readString(repo.resolve("deploy/prometheus/prometheus.yml"));
        List<String> dashboardQueries = dashboardQueries(repo.resolve("deploy/grafana/dashboards/oxbow.json"));
        assertTrue(dashboardQueries.size() >= 15, "dashboard queries found: " + dashboardQueries.size());

        Process prometheus = null;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                LocalFlink flink = LocalFlink.start(0, REPORTER_PORTS, 4)) {
            JobConfig cfg = config(kafka.bootstrapServers(), dir);
            AtomicBoolean stop = new AtomicBoolean();
            Thread producer = streamImages(cfg, 40, 20_000, stop);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(OxbowJob.flinkConfiguration(cfg));
            OxbowJob.build(env, cfg);
            JobID job = flink.submit(env); // unbounded: it keeps running (and reporting) until cancelled
            String jobId = job.toHexString();
            try {
                int reporterPort = findReporter(jobId);

                int promPort = freePort();
                Path yml = dir.resolve("prometheus.yml");
                String rewritten = config.replace("127.0.0.1:9249", "127.0.0.1:" + reporterPort)
                        .replaceAll("scrape_interval: \\S+", "scrape_interval: 1s")
                        .replaceAll("evaluation_interval: \\S+", "evaluation_interval: 1s");
                assertTrue(
                        rewritten.contains("127.0.0.1:" + reporterPort), "the shipped config scrapes 127.0.0.1:9249");
                Files.writeString(yml, rewritten);
                Path log = dir.resolve("prometheus.log");
                prometheus = new ProcessBuilder(
                                PROMETHEUS,
                                "--config.file=" + yml,
                                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                                "--web.listen-address=127.0.0.1:" + promPort)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
                String api = "http://127.0.0.1:" + promPort;
                awaitReady(api, prometheus, log);

                // A trainer gauge with a value, read back through Prometheus's query API.
                String stepQuery = OP + "oxbow_step{job_id=\"" + jobId + "\"}";
                double step = awaitValue(api, stepQuery, v -> v >= 2, prometheus, log);
                assertTrue(step >= 2, "steps scraped: " + step);
                double loss = firstValue(query(api, OP + "oxbow_loss{job_id=\"" + jobId + "\"}"));
                assertTrue(Double.isFinite(loss) && loss > 0, "loss scraped: " + loss);
                double lr = firstValue(query(api, OP + "oxbow_learning_rate{job_id=\"" + jobId + "\"}"));
                assertTrue(lr > 0, "learning rate scraped: " + lr);
                awaitValue(
                        api,
                        "flink_jobmanager_job_numberOfCompletedCheckpoints{job_id=\"" + jobId + "\"}",
                        v -> v >= 1,
                        prometheus,
                        log);
                awaitValue(api, "sum(" + OP + "images_valid{job_id=\"" + jobId + "\"})", v -> v >= 64, prometheus, log);
                // rate() over a counter needs two samples in its window.
                awaitValue(
                        api,
                        "sum(rate(" + OP + "oxbow_images_embedded{job_id=\"" + jobId + "\"}[1m]))",
                        v -> v > 0,
                        prometheus,
                        log);

                // The dashboard: every query is valid PromQL; those of metrics this job has return series.
                Map<String, String> results = new LinkedHashMap<>();
                for (String q : dashboardQueries) {
                    String expr = q.replace("$job", ".*").replace("$proj_dim", "128");
                    String body = query(api, expr);
                    assertTrue(
                            body.contains("\"status\":\"success\""), "dashboard query fails: " + expr + " -> " + body);
                    results.put(q, body);
                }
                for (String metric : List.of(
                        "oxbow_loss",
                        "oxbow_learning_rate",
                        "oxbow_step",
                        "oxbow_model_version",
                        "oxbow_train_images_per_s",
                        "oxbow_images_embedded",
                        "images_valid",
                        "_fill\"",
                        "dead_letter_reason_dead_letters",
                        "lastCheckpointDuration",
                        "lastCheckpointSize",
                        "numRestarts",
                        "oxbow_collapse_std{",
                        "oxbow_collapse_std_healthy",
                        "oxbow_rankme",
                        "oxbow_knn_top1",
                        "oxbow_alignment",
                        "oxbow_uniformity",
                        "oxbow_collapse_alarm",
                        "oxbow_images_arrived",
                        "oxbow_replay_size",
                        "oxbow_replay_pending_steps",
                        "oxbow_embedder_model_version",
                        "oxbow_embedding_lag_ms")) {
                    List<String> matching = results.keySet().stream()
                            .filter(q -> q.contains(metric))
                            .toList();
                    assertFalse(matching.isEmpty(), "the dashboard queries " + metric);
                    assertTrue(
                            matching.stream().anyMatch(q -> !emptyResult(results.get(q))),
                            "a dashboard query of " + metric + " returns series: " + matching);
                }
                assertTrue(
                        query(
                                        api,
                                        "sum by (dead_letter_reason) (" + OP
                                                + "dead_letter_reason_dead_letters{job_id=\"" + jobId + "\"})")
                                .contains("\"dead_letter_reason\":\"NOT_AVRO\""),
                        "dead letters by reason");
            } finally {
                stop.set(true);
                producer.join(10_000);
                flink.cancel(job);
            }
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor();
                }
            }
        }
    }

    static JobConfig config(String bootstrap, Path runDir) throws Exception {
        TrainerConfig trainer = TrainerConfig.defaults("mocov2", "small-cnn", 1, 16, 32);
        // As PipelineIT.config: the method's own augmentation recipe.
        Recipe augment = Recipe.parse(Methods.defaults("mocov2").recipe(), "none", 16, 1, Map.of());
        // RankMe, alignment and uniformity are computed at each progress report.
        TrainerOptions options = PipelineIT.trainerOptions(
                runDir.resolve("run"),
                500,
                JobConfig.Training.DEFAULT_OPTIONS.publishEverySteps(),
                TrainerOptions.Pace.BACKPRESSURE,
                0);
        JobConfig cfg = new JobConfig(
                new JobConfig.Kafka(
                        KafkaClient.of(bootstrap),
                        "prom.images",
                        "prom.embeddings",
                        "prom.dead-letters",
                        "prom",
                        "prom",
                        -1,
                        false),
                JobConfig.Decoding.DEFAULTS,
                new JobConfig.Training(
                        trainer, augment, JobConfig.Training.AUGMENT_SEED, ReplayConfig.defaults(32), options, 1),
                JobConfig.Embedders.DEFAULTS,
                new JobConfig.Stores(null, null),
                JobConfig.Checkpoints.into(
                        1_000, runDir.resolve("checkpoints").toUri().toString()));
        Topics.create(cfg.kafka().client(), Map.of("prom.images", 1, "prom.embeddings", 1, "prom.dead-letters", 1));
        return cfg;
    }

    /**
     * A live stream: one of each broken kind first (they become dead letters by reason), then
     * generated images at about {@code perSecond} until stopped (at most {@code max}), so the
     * counters keep rising while Prometheus scrapes.
     */
    static Thread streamImages(JobConfig cfg, int perSecond, int max, AtomicBoolean stop) {
        Thread t = new Thread(
                () -> {
                    Iterator<ImageEvent> events = ImageSources.of(GeneratedImages.generate(max, 16, 1, 7), "gen");
                    try (KafkaProducer<byte[], byte[]> producer =
                            cfg.kafka().client().bytesProducer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
                        for (byte[] bad : BadEvents.all().keySet()) {
                            producer.send(new ProducerRecord<>(cfg.kafka().imagesTopic(), null, bad));
                        }
                        long start = System.nanoTime();
                        long sent = 0;
                        while (events.hasNext() && !stop.get()) {
                            ImageEvent e = events.next();
                            producer.send(new ProducerRecord<>(
                                    cfg.kafka().imagesTopic(), e.getId().getBytes(), Avro.encode(e)));
                            sent++;
                            long due = start + sent * 1_000_000_000L / perSecond;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "prometheus-it-producer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The reporter binds the first free port of the range: find the one that reports this job's trainer. */
    static int findReporter(String jobId) throws Exception {
        String[] range = REPORTER_PORTS.split("-");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (int port = Integer.parseInt(range[0]); port <= Integer.parseInt(range[1]); port++) {
                String body = get("http://127.0.0.1:" + port + "/metrics");
                if (body != null && body.contains(OP + "oxbow_step{") && body.contains("job_id=\"" + jobId + "\"")) {
                    return port;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                "no Prometheus reporter in " + REPORTER_PORTS + " reports the trainer of job " + jobId);
    }

    static void awaitReady(String api, Process prometheus, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited with " + prometheus.exitValue() + ":\n" + tail(log));
            }
            String ready = get(api + "/-/ready");
            if (ready != null && ready.contains("Ready")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("prometheus not ready after 60 s:\n" + tail(log));
    }

    /** Polls an instant query until its first series' value satisfies the condition. */
    static double awaitValue(
            String api, String expr, java.util.function.DoublePredicate ok, Process prometheus, Path log)
            throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited:\n" + tail(log));
            }
            last = query(api, expr);
            double v = firstValue(last);
            if (!Double.isNaN(v) && ok.test(v)) {
                return v;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no satisfying value for " + expr + " within " + TIMEOUT + "; last answer: " + last
                + "\ntargets: " + get(api + "/api/v1/targets") + "\nprometheus log:\n" + tail(log));
    }

    static String query(String api, String expr) throws Exception {
        String body = get(api + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        if (body == null) {
            throw new AssertionError("no answer from " + api + " for " + expr);
        }
        return body;
    }

    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.e+]+,\"([^\"]+)\"\\]");

    /** The value of the first series of an instant-vector answer, NaN when there is none. */
    static double firstValue(String body) {
        Matcher m = VALUE.matcher(body);
        return m.find()
                ? Double.parseDouble(m.group(1).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"))
                : Double.NaN;
    }

    static boolean emptyResult(String body) {
        return body.contains("\"result\":[]");
    }

    /** Every "expr" of the dashboard JSON (unescaped). */
    static List<String> dashboardQueries(Path json) throws IOException {
        Matcher m =
                Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(Files.readString(json));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return out;
    }

    static String get(String url) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Path repoRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/prometheus"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "repository root with deploy/prometheus above " + System.getProperty("user.dir"));
        return p;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Test
    void theDashboardQueriesAreFound() throws IOException {
        List<String> q = dashboardQueries(repoRoot().resolve("deploy/grafana/dashboards/oxbow.json"));
        assertTrue(q.contains(OP + "oxbow_loss{job_name=~\"$job\"}"), q.toString());
        assertEquals(q.size(), q.stream().distinct().count(), "no duplicate queries");
    }
}
