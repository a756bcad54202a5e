package ai.oxbow.pipeline.cli;

import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.util.Nearest;
import ai.oxbow.pipeline.bench.BenchAugment;
import ai.oxbow.pipeline.bench.BenchEmbed;
import ai.oxbow.pipeline.bench.BenchIndex;
import ai.oxbow.pipeline.bench.BenchOffline;
import ai.oxbow.pipeline.bench.BenchReplay;
import ai.oxbow.pipeline.bench.BenchSoak;
import ai.oxbow.pipeline.bench.BenchTrain;
import ai.oxbow.pipeline.demo.Demo;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageOrder;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.pipeline.report.Report;
import ai.oxbow.pipeline.serve.Serve;
import ai.oxbow.schemas.ImageEvent;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `java -jar pipeline/target/oxbow.jar <command> [--option value ...]`. Exit codes: 0 done, 2 a
 * usage error (unknown option, bad value, missing requirement: nothing was started), 1 a failure
 * while running.
 */
public final class Oxbow {
    private static final Logger LOG = LoggerFactory.getLogger(Oxbow.class);

    /** `run`'s own options, then the job's. */
    static final List<Option> RUN = JobOptions.concat(List.of(
            JobOptions.BOOTSTRAP,
            Option.flag("bounded", false, "stop at the images topic's end offsets as of the start; else run until"
                    + " cancelled"),
            Option.string("checkpoint-dir", "file:///tmp/oxbow/checkpoints", "checkpoint directory URI"),
            Option.string("restore", null, "a retained checkpoint or savepoint to resume from").computed("none"),
            Option.flag("allow-non-restored-state", false, "restore even if the checkpoint holds state of operators"
                    + " this graph lacks"),
            Option.string("run-dir", null, "directory for the final trainer state and trainer events")
                    .computed("none"),
            Option.string("transactional-id-prefix", new JobConfig().transactionalIdPrefix,
                    "prefix of the Kafka sinks' transactional ids"),
            JobOptions.THREADS), JobOptions.ALL, JobOptions.KAFKA, List.of(Args.CONFIG, Args.PRINT_CONFIG));

    private static final List<Option> PRODUCE = JobOptions.concat(List.of(
            JobOptions.BOOTSTRAP,
            Option.string("topic", new JobConfig().imagesTopic, "the images topic (created if absent)"),
            Option.string("source", "fashion-mnist", "what to send").oneOf("fashion-mnist", "generated", "folder"),
            Option.longInteger("count", Long.MAX_VALUE, "events to send").computed("all").atLeast(0),
            Option.decimal("rate", 0, "events/s (0: as fast as possible)").atLeast(0),
            Option.integer("partitions", 1, "partitions of a topic it creates").atLeast(1),
            Demo.ORDER, Demo.CLASSES_PER_BLOCK, JobOptions.DATA,
            Option.integer("size", 28, "generated: image side").atLeast(1),
            Option.integer("channels", 1, "generated: channels").atLeast(1),
            Option.longInteger("seed", 1, "generated: seed"),
            Option.string("folder", ".", "folder: a directory of PNG/JPEG files")), JobOptions.KAFKA);

    /** Every subcommand, in the order `oxbow --help` lists them. */
    static final List<Command> COMMANDS = List.of(
            new Command("demo", "everything embedded: Kafka broker, Flink MiniCluster (web UI :8081, Prometheus"
                    + " :9249), Fashion-MNIST streamed in, training, embeddings out (Kafka + index), probes",
                    Demo.OPTIONS, Demo::run),
            new Command("run", "the job against an external Kafka", RUN, Oxbow::run),
            new Command("submit", "`run` on a Flink cluster over its REST API", Submit.SUBMIT, Submit::submit),
            new Command("cancel", "cancel a job on a Flink cluster, or stop it with a savepoint", Submit.CANCEL,
                    Submit::cancel),
            new Command("savepoint", "a savepoint of a running job (it goes on)", Submit.SAVEPOINT, Submit::savepoint),
            new Command("audit", "exactly once? events, embeddings, duplicates, lost, index documents", Audit.OPTIONS,
                    Audit::run),
            new Command("checkpoint", "the trainer state in a checkpoint or savepoint, read from its files",
                    CheckpointInfo.OPTIONS, CheckpointInfo::run),
            new Command("produce", "stream images into a topic", PRODUCE, Oxbow::produce),
            new Command("search", "the k nearest images in the index", Search.OPTIONS, Search::run),
            new Command("serve", "search as a service: a JSON API and a web page with thumbnails", Serve.OPTIONS,
                    Serve::run),
            new Command("reindex", "the images topic into a fresh index with one model version", Reindex.OPTIONS,
                    Reindex::run),
            new Command("export", "an encoder version for plain PyTorch", Export.OPTIONS, Export::run),
            new Command("report", "PNG charts of a run directory", Report.OPTIONS, Report::run),
            new Command("bench train", "the trainer alone beside plain PyTorch eager", BenchTrain.OPTIONS,
                    BenchTrain::run),
            new Command("bench augment", "augmentation alone", BenchAugment.OPTIONS, BenchAugment::run),
            new Command("bench replay", "the replay learner alone in lock step, then the probes", BenchReplay.OPTIONS,
                    BenchReplay::run),
            new Command("bench index", "HNSW recall@k and latency against exact search", BenchIndex.OPTIONS,
                    BenchIndex::run),
            new Command("bench embed", "embedder images/s against PyTorch no-grad inference", BenchEmbed.OPTIONS,
                    BenchEmbed::run),
            new Command("bench quality", "the one-pass protocol: demo on the 60,000 Fashion-MNIST training images",
                    Demo.QUALITY, Demo::quality),
            new Command("bench offline", "the multi-epoch reference: the same trainer for --epochs E",
                    BenchOffline.OPTIONS, BenchOffline::run),
            new Command("bench soak", "the job on an unbounded stream at --rate R for --minutes M: memory and"
                    + " throughput slopes", BenchSoak.OPTIONS, BenchSoak::run));

    private Oxbow() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
            System.out.print(usage());
            return;
        }
        int code;
        try {
            code = execute(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("oxbow: " + e.getMessage());
            code = 2;
        }
        // Kafka and Flink leave non-daemon threads behind; the work is done.
        System.exit(code);
    }

    /** Runs one command line; usage errors are IllegalArgumentExceptions, thrown before anything starts. */
    static int execute(String[] argv) throws Exception {
        Found found = find(argv);
        Command command = found.command();
        int from = found.from();
        Args a = command.parse(argv, from);
        if (a.helpRequested()) {
            System.out.print(a.usage());
            return 0;
        }
        if (command.options().contains(Args.PRINT_CONFIG) && a.getBoolean(Args.PRINT_CONFIG.name())) {
            System.out.print(a.effectiveConfig());
            return 0;
        }
        configureDjl(a, command);
        if (command.options().contains(Args.CONFIG)) {
            LOG.info("oxbow {} configuration:\n{}", command.name(), a.effectiveConfig());
        }
        command.action().run(a);
        return 0;
    }

    /** A command and where its options start in the command line. */
    record Found(Command command, int from) {}

    /** The command the command line names ("bench train" takes two words). */
    static Found find(String[] argv) {
        for (Command c : COMMANDS) {
            List<String> words = List.of(c.name().split(" "));
            if (argv.length >= words.size() && List.of(argv).subList(0, words.size()).equals(words)) {
                return new Found(c, words.size());
            }
        }
        List<String> names = COMMANDS.stream().map(Command::name).toList();
        String given = argv[0].equals("bench") && argv.length > 1 ? "bench " + argv[1] : argv[0];
        throw new IllegalArgumentException("unknown command '" + given + "'" + Nearest.hint(given, names)
                + "; oxbow --help lists them");
    }

    static String usage() {
        StringBuilder out = new StringBuilder("usage: oxbow <command> [options]; oxbow <command> --help lists its"
                + " options\n");
        for (Command c : COMMANDS) {
            out.append(String.format("  %-15s %s%n", c.name(), c.summary()));
        }
        out.append("exit codes: 0 done, 2 usage error (nothing started), 1 failure\n");
        return out.toString();
    }

    /**
     * DJL reads these once, before the engine starts: offline (never download), and the thread
     * count (it changes results bitwise, so a run is reproducible only with the same count).
     */
    private static void configureDjl(Args a, Command command) {
        System.setProperty("ai.djl.offline", "true");
        String threads = String.valueOf(Runtime.getRuntime().availableProcessors());
        if (command.options().stream().anyMatch(o -> o.name().equals(JobOptions.THREADS.name()))
                && a.has(JobOptions.THREADS.name())) {
            threads = a.get(JobOptions.THREADS.name());
        }
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    /** `run`: builds the job and runs it where the environment points (local, or the cluster it was submitted to). */
    static void run(Args a) throws Exception {
        JobConfig cfg = runConfig(a);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                OxbowJob.flinkConfiguration(cfg));
        OxbowJob.build(env, cfg);
        env.execute();
    }

    /** The job `run` (and `submit`) starts; every option is checked here, before anything runs. */
    static JobConfig runConfig(Args a) {
        JobConfig cfg = JobOptions.job(a, JobOptions.trainer(a, 10_000, false, "none"), "none");
        cfg.kafka = JobOptions.kafka(a);
        cfg.bounded = a.getBoolean("bounded");
        cfg.checkpointDir = a.get("checkpoint-dir");
        cfg.restorePath = a.get("restore");
        cfg.allowNonRestoredState = a.getBoolean("allow-non-restored-state");
        cfg.runDir = a.get("run-dir");
        cfg.transactionalIdPrefix = a.get("transactional-id-prefix");
        return cfg;
    }

    private static void produce(Args a) throws Exception {
        String bootstrap = a.get("bootstrap");
        String topic = a.get("topic");
        String source = a.get("source");
        long count = a.getLong("count", Long.MAX_VALUE);
        double rate = a.getDouble("rate");
        int partitions = a.getInt("partitions");
        String order = a.get("order");
        int perBlock = a.getInt("classes-per-block");
        Iterator<ImageEvent> events = switch (source) {
            case "fashion-mnist" -> {
                LabeledImages train = ImageSources.fashionMnistTrain(
                        Path.of(a.get("data")), (int) Math.min(count, Integer.MAX_VALUE));
                yield ImageSources.of(ImageOrder.order(train, order, perBlock, 1), "fashion-mnist-train");
            }
            case "generated" -> ImageSources.of(ImageOrder.order(ImageSources.generated(
                    (int) Math.min(count, 1_000_000), a.getInt("size"), a.getInt("channels"),
                    a.getLong("seed")), order, perBlock, 1), "generated");
            case "folder" -> ImageSources.folder(Path.of(a.get("folder")));
            default -> throw new IllegalArgumentException("--source must be fashion-mnist, generated or folder");
        };
        KafkaClient kafka = JobOptions.kafka(a);
        Topics.create(kafka, Map.of(topic, partitions));
        long start = System.nanoTime();
        long sent = ImageProducer.produce(kafka, topic, events, count, rate);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events_out", sent);
        out.put("topic", topic);
        out.put("seconds", (System.nanoTime() - start) / 1e9);
        System.out.println(Json.line(out));
    }
}
