package ai.oxbow.pipeline.cli;

import ai.oxbow.model.util.KeyValues;
import ai.oxbow.model.util.Nearest;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The options of one command, parsed by picocli from the command's {@link Option} declarations and
 * read back by those declarations ({@code a.get(ModelOptions.BATCH)}): typed values (a bad number or
 * boolean names its option), an unknown option fails with the nearest valid name, required options
 * and {@link Exclusive} groups are enforced, {@code --help} lists every option with its default.
 * Commands that take {@link #CONFIG} read a config file first; flags given on the command line win
 * over it. Every problem is a {@link UsageException}.
 */
public final class Args {
    /** A config file (properties, or flat YAML {@code key: value}) with the flags' names as keys. */
    public static final Option<String> CONFIG = Option.string(
            "config",
            "read options from this file (properties or flat YAML: key=value or key: value, keys as the flags"
                    + " without --; kafka.K=V for --kafka-property K=V); flags given here win");

    public static final Option<Boolean> PRINT_CONFIG = Option.flag(
            "print-config",
            false,
            "print the effective configuration (given or default, passwords hidden) as a config file, then exit");
    /** Config-file keys under this prefix are Kafka client properties. */
    static final String KAFKA_PREFIX = "kafka.";

    private final Map<String, Option<?>> declared = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final CommandLine parser;
    private final boolean help;

    private Args(
            String command, String summary, List<Option<?>> options, List<Exclusive> groups, String[] argv, int from) {
        for (Option<?> o : options) {
            declared.put(o.name(), o);
        }
        CommandSpec spec = CommandSpec.create().name("oxbow " + command);
        spec.usageMessage()
                .description(summary)
                .width(110)
                .autoWidth(false)
                .sortOptions(false)
                .abbreviateSynopsis(true)
                .footer(groups.stream().map(g -> "Give " + g.describe() + ".").toArray(String[]::new));
        spec.addOption(OptionSpec.builder("--help")
                .usageHelp(true)
                .description("show this help and exit")
                .build());
        for (Option<?> o : options) {
            OptionSpec.Builder b = OptionSpec.builder(o.flagName())
                    .description(o.description() + " [default: " + o.shownDefault() + "]")
                    .paramLabel(o.type().label());
            if (o.type() == Option.Type.BOOLEAN) {
                b.type(Boolean.class).arity("0..1");
            } else if (o.type() == Option.Type.LIST) {
                b.type(List.class).auxiliaryTypes(String.class).arity("1");
            } else {
                b.type(o.type().javaType());
            }
            spec.addOption(b.build());
        }
        CommandLine cl =
                new CommandLine(spec).setOverwrittenOptionsAllowed(true).setExpandAtFiles(false);
        this.parser = cl;
        List<String> args = new ArrayList<>();
        if (declared.containsKey(CONFIG.name())) {
            String file = configPath(argv, from);
            if (file != null) {
                args.addAll(configArgs(Path.of(file)));
            }
        }
        args.addAll(List.of(argv).subList(from, argv.length));
        ParseResult result;
        try {
            result = cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.UnmatchedArgumentException e) {
            String bad = e.getUnmatched().get(0);
            String name = bad.startsWith("--") ? bad.substring(2).split("=", 2)[0] : bad;
            throw new UsageException(
                    (bad.startsWith("--") ? "unknown option --" + name : "unexpected argument '" + bad + "'")
                            + Nearest.hint(name, declared.keySet()) + " (oxbow " + command + " --help lists them)");
        } catch (ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        this.help = result.isUsageHelpRequested();
        for (Option<?> o : options) {
            if (result.hasMatchedOption(o.flagName())) {
                Object v = result.matchedOptionValue(o.flagName(), null);
                if (o.type() == Option.Type.LIST) {
                    for (Object item : (List<?>) v) {
                        pair(o, item);
                    }
                }
                String problem = check(o, v);
                if (problem != null) {
                    throw new UsageException(o.flagName() + " " + problem + ", not " + v);
                }
                values.put(o.name(), v);
            }
        }
        // Help and the printed configuration need none of the requirements.
        if (!help && !(declared.containsKey(PRINT_CONFIG.name()) && get(PRINT_CONFIG))) {
            for (Option<?> o : options) {
                if (o.mandatory() && !values.containsKey(o.name())) {
                    throw new UsageException(o.flagName() + " is required: " + o.description());
                }
            }
            groups.forEach(g -> g.check(values.keySet()));
        }
    }

    /** One {@code K=V} of a list option. */
    private static Map.Entry<String, String> pair(Option<?> o, Object item) {
        try {
            return KeyValues.pair(o.subject(), item.toString());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> String check(Option<T> o, Object value) {
        return o.check().apply((T) value);
    }

    /** Parses {@code argv[from..]} against the command's options and groups. */
    static Args parse(
            String command, String summary, List<Option<?>> options, List<Exclusive> groups, String[] argv, int from) {
        return new Args(command, summary, options, groups, argv, from);
    }

    /** For a command that only needs these options (tests, internal re-parses). */
    public static Args parse(List<Option<?>> options, String... argv) {
        return new Args("command", "", options, List.of(), argv, 0);
    }

    public boolean helpRequested() {
        return help;
    }

    /** picocli's usage text: every option with its default and description, then the exclusive groups. */
    public String usage() {
        StringWriter text = new StringWriter();
        parser.usage(new java.io.PrintWriter(text));
        return text.toString();
    }

    /** Given on the command line or in the config file. */
    public boolean has(Option<?> option) {
        return values.containsKey(declared(option).name());
    }

    /** The given value, else the declared default (null if it has none). */
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        Option<T> o = declared(option);
        return values.containsKey(o.name()) ? (T) values.get(o.name()) : o.defaultValue();
    }

    /** For an option whose default is computed: the given value, else {@code computed}. */
    public <T> T getOr(Option<T> option, T computed) {
        if (declared(option).defaultValue() != null) {
            throw new IllegalStateException(option.flagName() + " has a declared default; read it with get");
        }
        return has(option) ? get(option) : computed;
    }

    /** The given options but {@code except}, as arguments {@code --key=value} that parse back to them. */
    public List<String> argv(Collection<Option<?>> except) {
        Set<String> skipped = new HashSet<>();
        except.forEach(o -> skipped.add(o.name()));
        skipped.add(CONFIG.name());
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (skipped.contains(e.getKey())) {
                continue;
            }
            if (e.getValue() instanceof List<?> list) {
                list.forEach(v -> out.add("--" + e.getKey() + "=" + v));
            } else {
                out.add("--" + e.getKey() + "=" + e.getValue());
            }
        }
        return out;
    }

    /** The given options but {@code except}, sorted, as {@code --key=value ...}: what a run was started with. */
    public String given(Option<?> except) {
        return String.join(" ", argv(List.of(except)).stream().sorted().toList());
    }

    /**
     * The effective configuration as a config file: every option given or defaulted (computed ones
     * as comments), Kafka properties as {@code kafka.K=V} with passwords and JAAS settings hidden.
     */
    public String effectiveConfig() {
        StringBuilder out = new StringBuilder();
        for (Option<?> o : declared.values()) {
            if (o.name().equals(CONFIG.name()) || o.name().equals(PRINT_CONFIG.name())) {
                continue;
            }
            Object v = get(o);
            if (o.type() == Option.Type.LIST) {
                for (Object item : (List<?>) v) {
                    Map.Entry<String, String> kv = pair(o, item);
                    boolean secret =
                            kv.getKey().contains("password") || kv.getKey().contains("jaas");
                    out.append(KAFKA_PREFIX)
                            .append(kv.getKey())
                            .append('=')
                            .append(secret ? "<hidden>" : kv.getValue())
                            .append('\n');
                }
            } else if (v != null) {
                out.append(o.name()).append('=').append(v).append('\n');
            } else {
                out.append("# ")
                        .append(o.name())
                        .append(": ")
                        .append(o.shownDefault())
                        .append('\n');
            }
        }
        return out.toString();
    }

    /** The command's declaration of this option (its default may differ from the constant's). */
    @SuppressWarnings("unchecked")
    private <T> Option<T> declared(Option<T> option) {
        Option<?> o = declared.get(option.name());
        if (o == null || !o.type().equals(option.type())) {
            throw new IllegalStateException("option " + option.flagName() + " is not declared for this command");
        }
        return (Option<T>) o;
    }

    private static String configPath(String[] argv, int from) {
        String path = null;
        for (int i = from; i < argv.length; i++) {
            if (argv[i].equals("--config") && i + 1 < argv.length) {
                path = argv[i + 1];
            } else if (argv[i].startsWith("--config=")) {
                path = argv[i].substring("--config=".length());
            }
        }
        return path;
    }

    /** The config file as arguments placed before the command line's, so that flags win. */
    private List<String> configArgs(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UsageException("--config " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        List<String> out = new ArrayList<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            String value = unquote(p.getProperty(key).trim());
            if (key.startsWith(KAFKA_PREFIX) && declared.containsKey(JobOptions.KAFKA_PROPERTY.name())) {
                out.add(JobOptions.KAFKA_PROPERTY.flagName() + "=" + key.substring(KAFKA_PREFIX.length()) + "="
                        + value);
            } else if (declared.containsKey(key) && !key.equals(CONFIG.name())) {
                out.add("--" + key + "=" + value);
            } else {
                throw new UsageException(
                        "--config " + file + ": unknown key '" + key + "'" + Nearest.hint(key, declared.keySet()));
            }
        }
        return out;
    }

    /** YAML's quotes around a scalar. */
    private static String unquote(String v) {
        boolean quoted =
                v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"));
        return quoted ? v.substring(1, v.length() - 1) : v;
    }
}
