package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.demo.Demo;
import ai.oxbow.pipeline.job.JobConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The command line as users meet it: help, typos, strict values, config files. */
class OptionsTest {

    @Test
    void everyCommandsHelpListsEachOptionWithItsDefault() {
        for (Command c : Oxbow.COMMANDS) {
            Args a = c.parse(new String[] {"--help"}, 0);
            assertTrue(a.helpRequested(), c.name());
            String help = a.usage();
            for (Option o : c.options()) {
                assertTrue(help.contains(o.flagName()), c.name() + " --help lacks " + o.flagName());
                assertTrue(help.replaceAll("\\s+", " ").contains("[default: " + o.shownDefault() + "]"),
                        c.name() + " --help lacks the default of " + o.flagName());
            }
        }
    }

    @Test
    void anUnknownOptionNamesTheNearest() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Args.parse(Oxbow.RUN, "--batchh", "3"));
        assertTrue(e.getMessage().contains("--batchh") && e.getMessage().contains("did you mean 'batch'"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Args.parse(Oxbow.RUN, "stray"));
    }

    @Test
    void booleansAreStrict() {
        assertTrue(Args.parse(Oxbow.RUN, "--bounded").getBoolean("bounded"));
        assertFalse(Args.parse(Oxbow.RUN, "--bounded=false").getBoolean("bounded"));
        assertFalse(Args.parse(Oxbow.RUN, "--hold-on-collapse", "false").getBoolean("hold-on-collapse"));
        assertTrue(Args.parse(Oxbow.RUN).getBoolean("hold-on-collapse"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Args.parse(Oxbow.RUN, "--hold-on-collapse=yes"));
        assertTrue(e.getMessage().contains("--hold-on-collapse") && e.getMessage().contains("yes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Args.parse(Oxbow.RUN, "--bounded", "yes"));
    }

    @Test
    void aBadValueNamesItsOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Args.parse(Oxbow.RUN, "--batch", "x"));
        assertTrue(e.getMessage().contains("--batch") && e.getMessage().contains("'x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Args.parse(Oxbow.RUN, "--batch", "0"));
        assertTrue(e.getMessage().contains("--batch must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Args.parse(Oxbow.RUN, "--trainer-pace", "fast"));
        assertTrue(e.getMessage().contains("--trainer-pace must be one of backpressure, sample"), e.getMessage());
        assertEquals(-1, Args.parse(Oxbow.RUN, "--schema-registry-id", "-1").getInt("schema-registry-id"));
    }

    @Test
    void methodAndAugmentationOptionKeysAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobOptions.trainer(
                Args.parse(Oxbow.RUN, "--method", "simclr", "--queue-size", "4096"), 100, false, "none"));
        assertTrue(e.getMessage().contains("queue_size") && e.getMessage().contains("simclr"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JobOptions.trainer(
                Args.parse(Oxbow.RUN, "--method", "mocov2", "--method-options", "queue_sise=16"), 100, false, "none"));
        assertTrue(e.getMessage().contains("did you mean 'queue_size'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JobOptions.trainer(
                Args.parse(Oxbow.RUN, "--augment-options", "scle=0.2:1"), 100, false, "none"));
        assertTrue(e.getMessage().contains("did you mean 'scale'"), e.getMessage());
        TrainerConfig moco = JobOptions.trainer(Args.parse(Oxbow.RUN, "--method", "mocov2", "--queue-size", "256"),
                100, false, "none");
        assertEquals("256", moco.methodOptions().get("queue_size"));
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
        Args a = Args.parse(Oxbow.RUN, "--config", yaml.toString(), "--batch", "32");
        assertEquals("simclr", a.get("method"));
        assertEquals(32, a.getInt("batch"));
        assertEquals("cams.images", a.get("images-topic"));
        assertFalse(a.getBoolean("hold-on-collapse"));
        assertEquals(List.of("security.protocol=SASL_SSL"), a.getList("kafka-property"));
        JobConfig cfg = Oxbow.runConfig(a);
        assertEquals("cams.images", cfg.imagesTopic);
        assertEquals("simclr", cfg.trainer.method());
        assertEquals("SASL_SSL", cfg.kafka.properties().get("security.protocol"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Oxbow.runConfig(
                Args.parse(Oxbow.RUN, "--kafka-property", "security.protocl=SSL")));
        assertTrue(e.getMessage().contains("security.protocl"), e.getMessage());

        Path properties = dir.resolve("job.properties");
        Files.writeString(properties, "batch=16\nbtach=3\n");
        e = assertThrows(IllegalArgumentException.class, () -> Args.parse(Oxbow.RUN, "--config=" + properties));
        assertTrue(e.getMessage().contains("'btach'") && e.getMessage().contains("did you mean 'batch'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Args.parse(Oxbow.RUN, "--config", dir.resolve("absent.yaml").toString()));
        assertTrue(e.getMessage().contains("absent.yaml"), e.getMessage());
    }

    @Test
    void thePrintedConfigurationReadsBackAsTheSame(@TempDir Path dir) throws Exception {
        Args given = Args.parse(Oxbow.RUN, "--method", "byol", "--lr", "0.5", "--bounded",
                "--kafka-property", "sasl.jaas.config=secret", "--kafka-property", "security.protocol=SSL");
        String printed = given.effectiveConfig();
        assertTrue(printed.contains("method=byol") && printed.contains("bounded=true")
                && printed.contains("kafka.security.protocol=SSL"), printed);
        assertFalse(printed.contains("secret"), "the JAAS settings are hidden: " + printed);
        Path file = dir.resolve("printed.properties");
        Files.writeString(file, printed.replace("kafka.sasl.jaas.config=<hidden>\n", ""), StandardCharsets.UTF_8);
        String reread = Args.parse(Oxbow.RUN, "--config", file.toString()).effectiveConfig();
        assertEquals(printed.replace("kafka.sasl.jaas.config=<hidden>\n", ""), reread);
    }

    /** The quality protocol's command: no --events (it streams all 60,000), and the real data set or a clear refusal. */
    @Test
    void benchQualityRefusesEventsAndNeedsTheRealDataSet(@TempDir Path dir) {
        Command quality = Oxbow.COMMANDS.stream().filter(c -> c.name().equals("bench quality")).findFirst().orElseThrow();
        IllegalArgumentException events = assertThrows(IllegalArgumentException.class,
                () -> quality.parse(new String[] {"--events", "5"}, 0));
        assertTrue(events.getMessage().contains("--events"), events.getMessage());
        Args a = quality.parse(new String[] {"--data", dir.toString()}, 0);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Demo.quality(a));
        assertTrue(missing.getMessage().contains("needs Fashion-MNIST"), missing.getMessage());
    }

    @Test
    void exitCodesAreUsageTwoFailureOneDoneZero(@TempDir Path dir) throws Exception {
        assertEquals(2, exitCode("demo", "--batchh", "3"));
        assertEquals(2, exitCode("nonsense"));
        assertEquals(0, exitCode("search", "--help"));
        // A run directory whose losses cannot be read: the report fails while running.
        Files.writeString(dir.resolve("losses.csv"), "step,loss\n1,not-a-number\n");
        assertEquals(1, exitCode("report", "--run", dir.toString()));
    }

    private static int exitCode(String... argv) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Oxbow.class.getName()));
        command.addAll(List.of(argv));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor();
    }
}
