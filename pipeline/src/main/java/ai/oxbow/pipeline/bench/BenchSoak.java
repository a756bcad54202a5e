package ai.oxbow.pipeline.bench;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.ModelOptions;
import ai.oxbow.pipeline.cli.Option;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.kafka.EmbeddedKafka;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.local.LocalFlink;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.pipeline.report.RunFiles;
import ai.oxbow.schemas.ImageEvent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * `bench soak --minutes M --rate R [--sample-s 30] [--out DIR] <job options>`: the whole job
 * (embedded Kafka and MiniCluster in this process, as in `demo`) on an unbounded stream produced
 * at R images/s for M minutes, checkpointing as configured. Every sample-s seconds it records the
 * process's resident memory (RSS), the JVM heap in use, native memory (RSS minus the JVM's
 * committed heap and non-heap: libtorch, direct buffers, thread stacks; exact only with a fixed,
 * pre-touched heap, {@code -Xms = -Xmx -XX:+AlwaysPreTouch}), the trainer's images/s
 * and the size of the latest checkpoint (samples.csv in the run directory), and reports their
 * least-squares slopes per hour over the samples after the first tenth of the run (start-up
 * allocation is not a leak). Its web UI takes any free port and its Prometheus reporter one of
 * 9400-9499, clear of a demo's and a cluster's.
 */
public final class BenchSoak {
    private BenchSoak() {}

    private record Sample(
            double timeS, double rssMb, double heapMb, double nativeMb, double trainImagesPerS, double checkpointMb) {}

    static final Option<Double> MINUTES =
            Option.decimal("minutes", 60, "how long").atLeast(0);
    static final Option<Double> RATE =
            Option.decimal("rate", 50, "images/s produced").atLeast(0);
    static final Option<Double> SAMPLE_S =
            Option.decimal("sample-s", 30, "seconds between samples").atLeast(0);
    static final Option<String> OUT = Option.string("out", "runs/soak", "run directory");
    public static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(MINUTES, RATE, SAMPLE_S, OUT, JobOptions.DATA, JobOptions.THREADS), JobOptions.ALL);

    public static Command.Run prepare(Args a) {
        double minutes = a.get(MINUTES);
        double rate = a.get(RATE);
        double sampleS = a.get(SAMPLE_S);
        if (!(minutes > 0) || !(rate > 0) || !(sampleS > 0)) {
            throw new IllegalArgumentException("--minutes, --rate and --sample-s must be positive");
        }
        Path data = Path.of(a.get(JobOptions.DATA));
        String preset = Idx.available(data) ? "fashion-mnist" : "none";
        TrainerConfig trainer = ModelOptions.trainer(a, 10_000, false, preset);
        Path runDir = Path.of(a.get(OUT)).toAbsolutePath();
        JobConfig cfg = JobOptions.embedded(a, trainer, preset, runDir, false, 0);
        return () -> run(cfg, data, runDir, minutes, rate, sampleS);
    }

    private static void run(JobConfig settings, Path data, Path runDir, double minutes, double rate, double sampleS)
            throws Exception {
        Files.createDirectories(runDir);
        TrainerConfig trainer = settings.training().trainer();
        LabeledImages images = Idx.available(data)
                ? ImageSources.fashionMnistTrain(data, 60_000)
                : GeneratedImages.generate(10_000, trainer.size(), trainer.channels(), 1);

        List<Sample> samples = new ArrayList<>();
        long produced;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                LocalFlink flink = LocalFlink.start(0, "9400-9499", 4)) {
            JobConfig cfg = settings.withKafkaClient(kafka.client());
            JobConfig.Kafka topics = cfg.kafka();
            Topics.create(
                    topics.client(),
                    Map.of(topics.imagesTopic(), 1, topics.embeddingsTopic(), 1, topics.deadLettersTopic(), 1));
            long[] sent = new long[1];
            AtomicBoolean stop = new AtomicBoolean();
            Thread producer = new Thread(
                    () -> sent[0] = ImageProducer.produce(
                            topics.client(), topics.imagesTopic(), cycle(images, stop), Long.MAX_VALUE, rate),
                    "soak-producer");
            producer.start();
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(OxbowJob.flinkConfiguration(cfg));
            OxbowJob.build(env, cfg);
            JobID job = flink.submit(env);
            long start = System.nanoTime();
            long end = start + (long) (minutes * 60e9);
            for (long next = start; next < end; next += (long) (sampleS * 1e9)) {
                Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                samples.add(sample((System.nanoTime() - start) / 1e9, runDir, flink.latestCheckpointBytes(job)));
            }
            stop.set(true);
            producer.join();
            produced = sent[0];
            flink.cancel(job);
        }
        writeSamples(runDir.resolve("samples.csv"), samples);
        List<Sample> kept = samples.subList(samples.size() / 10, samples.size());
        Sample first = kept.get(0);
        Sample last = kept.get(kept.size() - 1);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("minutes", minutes);
        out.put("rate", rate);
        out.put("events_produced", produced);
        out.put("samples", samples.size());
        out.put("rss_mb_start", first.rssMb());
        out.put("rss_mb_end", last.rssMb());
        out.put("rss_mb_per_hour", slope(kept, Sample::rssMb));
        out.put("heap_mb_start", first.heapMb());
        out.put("heap_mb_end", last.heapMb());
        out.put("heap_mb_per_hour", slope(kept, Sample::heapMb));
        // RSS minus committed heap is native memory only when the committed heap is resident.
        out.put(
                "heap_pretouched",
                ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+AlwaysPreTouch"));
        out.put("native_mb_start", first.nativeMb());
        out.put("native_mb_end", last.nativeMb());
        out.put("native_mb_per_hour", slope(kept, Sample::nativeMb));
        out.put("train_images_per_s_start", first.trainImagesPerS());
        out.put("train_images_per_s_end", last.trainImagesPerS());
        out.put("train_images_per_s_per_hour", slope(kept, Sample::trainImagesPerS));
        out.put("checkpoint_mb_start", first.checkpointMb());
        out.put("checkpoint_mb_end", last.checkpointMb());
        out.put("checkpoint_mb_per_hour", slope(kept, Sample::checkpointMb));
        out.put("run_dir", runDir.toString());
        System.out.println(Json.line(out));
    }

    /** The images again and again, each pass under new ids, until {@code stop}. */
    private static Iterator<ImageEvent> cycle(LabeledImages images, AtomicBoolean stop) {
        return new Iterator<>() {
            int pass;
            Iterator<ImageEvent> current = ImageSources.of(images, "soak-0");

            @Override
            public boolean hasNext() {
                return !stop.get();
            }

            @Override
            public ImageEvent next() {
                if (!current.hasNext()) {
                    current = ImageSources.of(images, "soak-" + ++pass);
                }
                return current.next();
            }
        };
    }

    private static Sample sample(double timeS, Path runDir, long checkpointBytes) throws IOException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        double rss = rssMb();
        double heapCommitted = memory.getHeapMemoryUsage().getCommitted() / 1048576.0;
        double nonHeapCommitted = memory.getNonHeapMemoryUsage().getCommitted() / 1048576.0;
        return new Sample(
                timeS,
                rss,
                memory.getHeapMemoryUsage().getUsed() / 1048576.0,
                rss - heapCommitted - nonHeapCommitted,
                lastTrainImagesPerS(runDir.resolve(RunFiles.THROUGHPUT)),
                checkpointBytes / 1048576.0);
    }

    /** VmRSS of this process (Linux). */
    private static double rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    /** The trainer's latest images/s (throughput.csv: time_s,train_images_per_s,arriving_images_per_s). */
    private static double lastTrainImagesPerS(Path throughput) throws IOException {
        if (!Files.exists(throughput)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(throughput);
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        String[] cells = last.split(",");
        return cells.length > 1 && !cells[1].startsWith("train") ? Double.parseDouble(cells[1]) : 0;
    }

    /** Least-squares slope of a value against time, per hour. */
    private static double slope(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value) {
        double n = samples.size();
        double mt = samples.stream().mapToDouble(Sample::timeS).sum() / n;
        double mv = samples.stream().mapToDouble(value).sum() / n;
        double cov = 0;
        double var = 0;
        for (Sample s : samples) {
            cov += (s.timeS() - mt) * (value.applyAsDouble(s) - mv);
            var += (s.timeS() - mt) * (s.timeS() - mt);
        }
        return var == 0 ? 0 : cov / var * 3600;
    }

    private static void writeSamples(Path file, List<Sample> samples) throws IOException {
        StringBuilder csv = new StringBuilder("time_s,rss_mb,heap_mb,native_mb,train_images_per_s,checkpoint_mb\n");
        for (Sample s : samples) {
            csv.append(String.format(
                    "%.1f,%.1f,%.1f,%.1f,%.2f,%.2f%n",
                    s.timeS(), s.rssMb(), s.heapMb(), s.nativeMb(), s.trainImagesPerS(), s.checkpointMb()));
        }
        Files.writeString(file, csv);
    }
}
