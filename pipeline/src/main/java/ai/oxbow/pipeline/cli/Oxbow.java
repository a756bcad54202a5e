package ai.oxbow.pipeline.cli;

import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.util.Nearest;
import ai.oxbow.pipeline.bench.BenchAugment;
import ai.oxbow.pipeline.bench.BenchEmbed;
import ai.oxbow.pipeline.bench.BenchIndex;
import ai.oxbow.pipeline.bench.BenchOffline;
import ai.oxbow.pipeline.bench.BenchReplay;
import ai.oxbow.pipeline.bench.BenchSoak;
import ai.oxbow.pipeline.bench.BenchTrain;
import ai.oxbow.pipeline.demo.Demo;
import ai.oxbow.pipeline.report.Report;
import ai.oxbow.pipeline.serve.ServeCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * `java -jar pipeline/target/oxbow.jar <command> [--option value ...]`. Exit codes: 0 done, 2 a
 * usage error (unknown option, bad value, missing requirement: nothing was started), 1 a failure
 * while running.
 */
public final class Oxbow {
    private static final Logger LOG = LoggerFactory.getLogger(Oxbow.class);

    /** Every subcommand, in the order `oxbow --help` lists them. */
    static final List<Command> COMMANDS = List.of(
            new Command(
                    "demo",
                    "everything embedded: Kafka broker, Flink MiniCluster (web UI :8081, Prometheus"
                            + " :9249), Fashion-MNIST streamed in, training, embeddings out (Kafka + index), probes",
                    Demo.OPTIONS,
                    Demo::prepare),
            new Command("run", "the job against an external Kafka", Run.OPTIONS, Run::prepare),
            new Command("submit", "`run` on a Flink cluster over its REST API", Submit.SUBMIT, Submit::submit),
            new Command(
                    "cancel",
                    "cancel a job on a Flink cluster, or stop it with a savepoint",
                    Submit.CANCEL,
                    Submit::cancel),
            new Command("savepoint", "a savepoint of a running job (it goes on)", Submit.SAVEPOINT, Submit::savepoint),
            new Command(
                    "audit",
                    "exactly once? events, embeddings, duplicates, lost, index documents",
                    Audit.OPTIONS,
                    Audit::prepare),
            new Command(
                    "checkpoint",
                    "the trainer state in a checkpoint or savepoint, read from its files",
                    CheckpointInfo.OPTIONS,
                    CheckpointInfo::prepare),
            new Command("produce", "stream images into a topic", Produce.OPTIONS, Produce::prepare),
            new Command("search", "the k nearest images in the index", Search.OPTIONS, Search.GROUPS, Search::prepare),
            new Command(
                    "serve",
                    "search as a service: a JSON API and a web page with thumbnails",
                    ServeCommand.OPTIONS,
                    ServeCommand.GROUPS,
                    ServeCommand::prepare),
            new Command(
                    "reindex",
                    "the images topic into a fresh index with one model version",
                    Reindex.OPTIONS,
                    Reindex::prepare),
            new Command(
                    "export", "an encoder version for plain PyTorch", Export.OPTIONS, Export.GROUPS, Export::prepare),
            new Command("report", "PNG charts of a run directory", Report.OPTIONS, Report::prepare),
            new Command(
                    "bench train",
                    "the trainer alone beside plain PyTorch eager",
                    BenchTrain.OPTIONS,
                    BenchTrain::prepare),
            new Command("bench augment", "augmentation alone", BenchAugment.OPTIONS, BenchAugment::prepare),
            new Command(
                    "bench replay",
                    "the replay learner alone in lock step, then the probes",
                    BenchReplay.OPTIONS,
                    BenchReplay::prepare),
            new Command(
                    "bench index",
                    "HNSW recall@k and latency against exact search",
                    BenchIndex.OPTIONS,
                    BenchIndex::prepare),
            new Command(
                    "bench embed",
                    "embedder images/s against PyTorch no-grad inference",
                    BenchEmbed.OPTIONS,
                    BenchEmbed::prepare),
            new Command(
                    "bench quality",
                    "the one-pass protocol: demo on the 60,000 Fashion-MNIST training images",
                    Demo.QUALITY,
                    Demo::quality),
            new Command(
                    "bench offline",
                    "the multi-epoch reference: the same trainer for --epochs E",
                    BenchOffline.OPTIONS,
                    BenchOffline::prepare),
            new Command(
                    "bench soak",
                    "the job on an unbounded stream at --rate R for --minutes M: memory and" + " throughput slopes",
                    BenchSoak.OPTIONS,
                    BenchSoak::prepare));

    private Oxbow() {}

    public static void main(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
            System.out.print(usage());
            return;
        }
        int code;
        try {
            code = execute(argv);
        } catch (UsageException e) {
            System.err.println("oxbow: " + e.getMessage());
            code = 2;
        } catch (Throwable e) { // every failure, so that the exit below ends the JVM whatever it was
            // Failures Oxbow words itself are shown as their message; anything else with its stack.
            boolean worded = e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException
                    || e instanceof CorruptStateException;
            System.err.println("oxbow: failed: " + (worded ? e.getMessage() : e.toString()));
            if (!(worded || e instanceof IOException || e instanceof UncheckedIOException)) {
                e.printStackTrace();
            }
            code = 1;
        }
        // Kafka and Flink leave non-daemon threads behind; the work is done.
        System.exit(code);
    }

    /**
     * Runs one command line: parses it and turns it into the command's settings (any problem is a
     * {@link UsageException}, thrown before anything starts), then runs the command.
     */
    static int execute(String[] argv) throws Exception {
        Found found = find(argv);
        Command command = found.command();
        Args a = command.parse(argv, found.from());
        if (a.helpRequested()) {
            System.out.print(a.usage());
            return 0;
        }
        if (command.options().contains(Args.PRINT_CONFIG) && a.get(Args.PRINT_CONFIG)) {
            System.out.print(a.effectiveConfig());
            return 0;
        }
        configureDjl(a, command);
        Command.Run run = command.prepare(a);
        if (command.options().contains(Args.CONFIG)) {
            LOG.info("oxbow {} configuration:\n{}", command.name(), a.effectiveConfig());
        }
        run.run();
        return 0;
    }

    /** A command and where its options start in the command line. */
    record Found(Command command, int from) {}

    /** The command the command line names ("bench train" takes two words). */
    static Found find(String[] argv) {
        for (Command c : COMMANDS) {
            List<String> words = List.of(c.name().split(" "));
            if (argv.length >= words.size()
                    && List.of(argv).subList(0, words.size()).equals(words)) {
                return new Found(c, words.size());
            }
        }
        List<String> names = COMMANDS.stream().map(Command::name).toList();
        String given = argv[0].equals("bench") && argv.length > 1 ? "bench " + argv[1] : argv[0];
        throw new UsageException(
                "unknown command '" + given + "'" + Nearest.hint(given, names) + "; oxbow --help lists them");
    }

    static String usage() {
        StringBuilder out =
                new StringBuilder("usage: oxbow <command> [options]; oxbow <command> --help lists its" + " options\n");
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
        if (command.options().contains(JobOptions.THREADS) && a.has(JobOptions.THREADS)) {
            threads = String.valueOf(a.get(JobOptions.THREADS));
        }
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
}
