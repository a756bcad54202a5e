package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.demo.Demo;
import ai.oxbow.pipeline.job.JobConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as users meet it: help, typos, strict values, requirements, config files, exit codes. */
class OptionsTest {

    @Test
    void everyCommandsHelpListsEachOptionWithItsDefault() {
        for (Command c : Oxbow.COMMANDS) {
            Args a = c.parse(new String[] {"--help"}, 0);
            assertTrue(a.helpRequested(), c.name());
            String help = a.usage();
            for (Option<?> o : c.options()) {
                assertTrue(help.contains(o.flagName()), c.name() + " --help lacks " + o.flagName());
                assertTrue(
                        help.replaceAll("\\s+", " ").contains("[default: " + o.shownDefault() + "]"),
                        c.name() + " --help lacks the default of " + o.flagName());
            }
            for (Exclusive g : c.groups()) {
                assertTrue(help.contains(g.describe()), c.name() + " --help lacks " + g.describe());
            }
        }
    }

    @Test
    void anUnknownOptionNamesTheNearest() {
        UsageException e = assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--batchh", "3"));
        assertTrue(
                e.getMessage().contains("--batchh") && e.getMessage().contains("did you mean 'batch'"), e.getMessage());
        assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "stray"));
    }

    @Test
    void valuesComeBackTypedWithTheirDefaults() {
        Args a = Args.parse(Run.OPTIONS, "--batch", "32", "--lr", "0.5");
        int batch = a.get(ModelOptions.BATCH);
        assertEquals(32, batch);
        assertEquals(0.5, a.get(ModelOptions.LR));
        assertEquals(20L, a.get(JobOptions.PUBLISH_EVERY_STEPS));
        // A computed default is the caller's, only when the option is not given.
        assertEquals(0.5, a.getOr(ModelOptions.LR, 9.0));
        assertEquals(9.0, a.getOr(ModelOptions.WEIGHT_DECAY, 9.0));
        assertNull(a.get(Run.RESTORE));
        assertEquals(List.of(), a.get(JobOptions.KAFKA_PROPERTY));
        assertTrue(a.has(ModelOptions.BATCH));
        assertFalse(a.has(ModelOptions.SEED));
        JobConfig defaults = Run.config(Args.parse(Run.OPTIONS));
        assertEquals(JobConfig.Kafka.DEFAULTS.client(), defaults.kafka().client());
        assertEquals(JobConfig.Decoding.DEFAULTS, defaults.decoding());
        assertEquals(JobConfig.Embedders.DEFAULTS, defaults.embedders());
        // An option the command does not declare is a programming error, not a default.
        assertThrows(IllegalStateException.class, () -> a.get(Search.ID));
        assertThrows(IllegalStateException.class, () -> a.getOr(ModelOptions.BATCH, 1));
    }

    @Test
    void theSearchIndexIsTheEmbeddedOneUnlessSolrIsChosen() {
        JobConfig.Stores lucene =
                Run.config(Args.parse(Run.OPTIONS, "--index-dir", "/tmp/i")).stores();
        assertEquals("/tmp/i", lucene.indexDir());
        assertNull(lucene.solr());
        JobConfig.Stores solr = Run.config(Args.parse(
                        Run.OPTIONS, "--index", "solr", "--solr-zk", "zk:2181/solr", "--index-parallelism", "3"))
                .stores();
        assertEquals(new JobConfig.Solr("zk:2181/solr", "oxbow", 3), solr.solr());
        assertNull(solr.indexDir());
        assertEquals(3, solr.indexParallelism());
        UsageException noZk =
                assertThrows(UsageException.class, () -> Run.config(Args.parse(Run.OPTIONS, "--index", "solr")));
        assertTrue(noZk.getMessage().contains("--solr-zk"), noZk.getMessage());
        UsageException both = assertThrows(
                UsageException.class,
                () -> Run.config(
                        Args.parse(Run.OPTIONS, "--index", "solr", "--solr-zk", "zk:2181", "--index-dir", "/tmp/i")));
        assertTrue(both.getMessage().contains("not to --index-dir"), both.getMessage());
        assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--index", "elastic"));
    }

    @Test
    void booleansAreStrict() {
        assertTrue(Args.parse(Run.OPTIONS, "--bounded").get(Run.BOUNDED));
        assertFalse(Args.parse(Run.OPTIONS, "--bounded=false").get(Run.BOUNDED));
        assertFalse(Args.parse(Run.OPTIONS, "--hold-on-collapse", "false").get(JobOptions.HOLD_ON_COLLAPSE));
        assertTrue(Args.parse(Run.OPTIONS).get(JobOptions.HOLD_ON_COLLAPSE));
        UsageException e = assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--hold-on-collapse=yes"));
        assertTrue(
                e.getMessage().contains("--hold-on-collapse") && e.getMessage().contains("yes"), e.getMessage());
        assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--bounded", "yes"));
    }

    @Test
    void aBadValueNamesItsOption() {
        UsageException e = assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--batch", "x"));
        assertEquals(
                "Invalid value for option '--batch': 'x' is not an int",
                e.getMessage().strip());
        e = assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--batch", "0"));
        assertTrue(e.getMessage().contains("--batch must be at least 1"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--trainer-pace", "fast"));
        assertTrue(e.getMessage().contains("--trainer-pace must be one of backpressure, sample"), e.getMessage());
        assertEquals(-1, Args.parse(Run.OPTIONS, "--schema-registry-id", "-1").get(JobOptions.SCHEMA_REGISTRY_ID));
        assertEquals(
                "9250-9299",
                Args.parse(Demo.OPTIONS, "--prometheus-port", "9250-9299").get(Demo.PROMETHEUS_PORT));
        e = assertThrows(UsageException.class, () -> Args.parse(Demo.OPTIONS, "--prometheus-port", "any"));
        assertTrue(e.getMessage().contains("--prometheus-port must be a port or a range FROM-TO"), e.getMessage());
    }

    @Test
    void keyValueListsAndTheNumbersInThemShareOneWording() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ModelOptions.trainer(
                        Args.parse(Run.OPTIONS, "--method-options", "queue_size"), 100, false, "none"));
        assertEquals("Invalid value for option '--method-options': 'queue_size' is not key=value", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> ModelOptions.trainer(
                        Args.parse(Run.OPTIONS, "--augment-options", "views=two"), 100, false, "none"));
        assertEquals("Invalid value for augmentation option 'views': 'two' is not an int", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> ModelOptions.trainer(
                        Args.parse(Run.OPTIONS, "--augment-options", "scale=0.2"), 100, false, "none"));
        assertEquals("Invalid value for augmentation option 'scale': '0.2' is not min:max", e.getMessage());
        e = assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--kafka-property", "security.protocol"));
        assertEquals(
                "Invalid value for option '--kafka-property': 'security.protocol' is not key=value", e.getMessage());
    }

    @Test
    void methodAndAugmentationOptionKeysAreChecked() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ModelOptions.trainer(
                        Args.parse(Run.OPTIONS, "--method", "simclr", "--queue-size", "4096"), 100, false, "none"));
        assertTrue(e.getMessage().contains("queue_size") && e.getMessage().contains("simclr"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> ModelOptions.trainer(
                        Args.parse(Run.OPTIONS, "--method", "mocov2", "--method-options", "queue_sise=16"),
                        100,
                        false,
                        "none"));
        assertTrue(e.getMessage().contains("did you mean 'queue_size'"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> ModelOptions.trainer(
                        Args.parse(Run.OPTIONS, "--augment-options", "scle=0.2:1"), 100, false, "none"));
        assertTrue(e.getMessage().contains("did you mean 'scale'"), e.getMessage());
        TrainerConfig moco = ModelOptions.trainer(
                Args.parse(Run.OPTIONS, "--method", "mocov2", "--queue-size", "256"), 100, false, "none");
        assertEquals("256", moco.methodOptions().get("queue_size"));
    }

    @Test
    void requiredOptionsAndExclusiveGroupsAreTheParsers() {
        Command search = command("search");
        UsageException e = assertThrows(UsageException.class, () -> search.parse(new String[] {"--id", "a"}, 0));
        assertEquals("--index is required: index directory", e.getMessage());
        e = assertThrows(UsageException.class, () -> search.parse(new String[] {"--index", "i"}, 0));
        assertEquals("give exactly one of --id | --image", e.getMessage());
        e = assertThrows(
                UsageException.class,
                () -> search.parse(new String[] {"--index", "i", "--id", "a", "--image", "b"}, 0));
        assertEquals("give exactly one of --id | --image, not --id and --image", e.getMessage());
        assertEquals(
                "a", search.parse(new String[] {"--index", "i", "--id", "a"}, 0).get(Search.ID));

        Command export = command("export");
        e = assertThrows(
                UsageException.class,
                () -> export.parse(new String[] {"--state", "s", "--version", "3", "--out", "o"}, 0));
        assertEquals("give at most one of --state | --version, not --state and --version", e.getMessage());
        assertEquals(
                3L,
                export.parse(new String[] {"--models", "m", "--version", "3", "--out", "o"}, 0)
                        .get(Export.VERSION));
        e = assertThrows(
                UsageException.class,
                () -> export.parse(
                        new String[] {"--models", "m", "--method-options", "queue_size=8", "--out", "o"}, 0));
        assertEquals(
                "give at most one of --models | --method-options, not --models and --method-options", e.getMessage());
        // Help and the printed configuration need no requirement met.
        assertTrue(export.parse(new String[] {"--help"}, 0).helpRequested());
        assertTrue(command("submit").parse(new String[] {"--print-config"}, 0).get(Args.PRINT_CONFIG));
    }

    @Test
    void aConfigFileSetsOptionsAndFlagsWin(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, """
                # a flat YAML file
                method: simclr
                batch: 128
                images-topic: "cams.images"
                hold-on-collapse: false
                kafka.security.protocol: SASL_SSL
                """);
        Args a = Args.parse(Run.OPTIONS, "--config", yaml.toString(), "--batch", "32");
        assertEquals("simclr", a.get(ModelOptions.METHOD));
        assertEquals(32, a.get(ModelOptions.BATCH));
        assertEquals("cams.images", a.get(JobOptions.IMAGES_TOPIC));
        assertFalse(a.get(JobOptions.HOLD_ON_COLLAPSE));
        assertEquals(List.of("security.protocol=SASL_SSL"), a.get(JobOptions.KAFKA_PROPERTY));
        JobConfig cfg = Run.config(a);
        assertEquals("cams.images", cfg.kafka().imagesTopic());
        assertEquals("simclr", cfg.training().trainer().method());
        assertEquals(32, cfg.training().replay().batch());
        assertFalse(cfg.training().options().holdOnCollapse());
        assertEquals("SASL_SSL", cfg.kafka().client().properties().get("security.protocol"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Run.config(Args.parse(Run.OPTIONS, "--kafka-property", "security.protocl=SSL")));
        assertTrue(e.getMessage().contains("security.protocl"), e.getMessage());

        Path properties = dir.resolve("job.properties");
        Files.writeString(properties, "batch=16\nbtach=3\n");
        e = assertThrows(UsageException.class, () -> Args.parse(Run.OPTIONS, "--config=" + properties));
        assertTrue(
                e.getMessage().contains("'btach'") && e.getMessage().contains("did you mean 'batch'"), e.getMessage());
        e = assertThrows(
                UsageException.class,
                () -> Args.parse(
                        Run.OPTIONS, "--config", dir.resolve("absent.yaml").toString()));
        assertTrue(e.getMessage().contains("absent.yaml"), e.getMessage());
    }

    @Test
    void thePrintedConfigurationReadsBackAsTheSame(@TempDir Path dir) throws Exception {
        Args given = Args.parse(
                Run.OPTIONS,
                "--method",
                "byol",
                "--lr",
                "0.5",
                "--bounded",
                "--kafka-property",
                "sasl.jaas.config=secret",
                "--kafka-property",
                "security.protocol=SSL");
        String printed = given.effectiveConfig();
        assertTrue(
                printed.contains("method=byol")
                        && printed.contains("bounded=true")
                        && printed.contains("kafka.security.protocol=SSL"),
                printed);
        assertFalse(printed.contains("secret"), "the JAAS settings are hidden: " + printed);
        Path file = dir.resolve("printed.properties");
        Files.writeString(file, printed.replace("kafka.sasl.jaas.config=<hidden>\n", ""), StandardCharsets.UTF_8);
        String reread = Args.parse(Run.OPTIONS, "--config", file.toString()).effectiveConfig();
        assertEquals(printed.replace("kafka.sasl.jaas.config=<hidden>\n", ""), reread);
    }

    /** The quality protocol's command: no --events (it streams all 60,000), and the real data set or a clear refusal. */
    @Test
    void benchQualityRefusesEventsAndNeedsTheRealDataSet(@TempDir Path dir) {
        Command quality = command("bench quality");
        UsageException events =
                assertThrows(UsageException.class, () -> quality.parse(new String[] {"--events", "5"}, 0));
        assertTrue(events.getMessage().contains("--events"), events.getMessage());
        Args a = quality.parse(new String[] {"--data", dir.toString()}, 0);
        UsageException missing = assertThrows(UsageException.class, () -> quality.prepare(a));
        assertTrue(missing.getMessage().contains("needs Fashion-MNIST"), missing.getMessage());
    }

    @Test
    void exitCodesAreUsageTwoFailureOneDoneZero(@TempDir Path dir) throws Exception {
        assertEquals(2, exit("demo", "--batchh", "3").code());
        assertEquals(2, exit("nonsense").code());
        assertEquals(0, exit("search", "--help").code());
        // The settings refuse it before anything starts: a usage error too.
        Exit notRun = exit("report", "--run", dir.toString());
        assertEquals(2, notRun.code());
        assertTrue(notRun.output().contains("not a run directory"), notRun.output());
        Exit both = exit("export", "--models", "m", "--state", "s", "--out", "o");
        assertEquals(2, both.code());
        assertTrue(both.output().contains("give exactly one of --models | --state"), both.output());
        // A run directory whose losses cannot be read: the report fails while running.
        Files.writeString(dir.resolve("losses.csv"), "step,loss\n1,not-a-number\n");
        assertEquals(1, exit("report", "--run", dir.toString()).code());
        // A corrupt state file is a failure, not a usage error: the command line was right.
        Path corrupt = dir.resolve("final-state.bin");
        Files.write(corrupt, "not a trainer state".getBytes(StandardCharsets.UTF_8));
        Exit export = exit(
                "export",
                "--state",
                corrupt.toString(),
                "--out",
                dir.resolve("out").toString());
        assertEquals(1, export.code(), export.output());
        assertTrue(
                export.output().contains("oxbow: failed: " + corrupt + ": not an Oxbow trainer state"),
                export.output());
    }

    private static Command command(String name) {
        return Oxbow.COMMANDS.stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private record Exit(int code, String output) {}

    /** Oxbow's main in a JVM of its own, as users run it. */
    private static Exit exit(String... argv) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Oxbow.class.getName()));
        command.addAll(List.of(argv));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Exit(p.waitFor(), output);
    }
}
