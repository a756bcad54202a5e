package ai.oxbow.pipeline.cli;

import ai.oxbow.model.util.Nearest;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of one command, parsed by picocli from the command's {@link Option} declarations:
 * typed values (a bad number or boolean names its option), an unknown option fails with the
 * nearest valid name, {@code --help} lists every option with its default. Commands that take
 * {@link #CONFIG} read a config file first; flags given on the command line win over it.
 */
public final class Args {
    /** A config file (properties, or flat YAML {@code key: value}) with the flags' names as keys. */
    public static final Option CONFIG = Option.string("config", null,
            "read options from this file (properties or flat YAML: key=value or key: value, keys as the flags"
                    + " without --; kafka.K=V for --kafka-property K=V); flags given here win").computed("none");
    public static final Option PRINT_CONFIG = Option.flag("print-config", false,
            "print the effective configuration (given or default, passwords hidden) as a config file, then exit");
    /** Config-file keys under this prefix are Kafka client properties. */
    static final String KAFKA_PREFIX = "kafka.";
    static final String KAFKA_PROPERTY = "kafka-property";

    private final Map<String, Option> declared = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final CommandLine parser;
    private final boolean help;

    private Args(String command, String summary, List<Option> options, String[] argv, int from) {
        for (Option o : options) {
            declared.put(o.name(), o);
        }
        CommandSpec spec = CommandSpec.create().name("oxbow " + command);
        spec.usageMessage().description(summary).width(110).autoWidth(false).sortOptions(false)
                .abbreviateSynopsis(true);
        spec.addOption(OptionSpec.builder("--help").usageHelp(true).description("show this help and exit").build());
        for (Option o : options) {
            OptionSpec.Builder b = OptionSpec.builder(o.flagName())
                    .description(o.description() + " [default: " + o.shownDefault() + "]")
                    .paramLabel(o.type().label);
            switch (o.type()) {
                case BOOLEAN -> b.type(Boolean.class).arity("0..1");
                case LIST -> b.type(List.class).auxiliaryTypes(String.class).arity("1");
                default -> b.type(o.type().javaType);
            }
            spec.addOption(b.build());
        }
        CommandLine cl = new CommandLine(spec).setOverwrittenOptionsAllowed(true).setExpandAtFiles(false);
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
            throw new IllegalArgumentException((bad.startsWith("--") ? "unknown option --" + name : "unexpected argument '"
                    + bad + "'") + Nearest.hint(name, declared.keySet()) + " (oxbow " + command + " --help lists them)");
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        this.help = result.isUsageHelpRequested();
        for (Option o : options) {
            if (result.hasMatchedOption(o.flagName())) {
                Object v = result.matchedOptionValue(o.flagName(), null);
                String problem = o.check().apply(v);
                if (problem != null) {
                    throw new IllegalArgumentException(o.flagName() + " " + problem + ", not " + v);
                }
                values.put(o.name(), v);
            }
        }
    }

    /** Parses {@code argv[from..]} against the command's options. */
    public static Args parse(String command, String summary, List<Option> options, String[] argv, int from) {
        return new Args(command, summary, options, argv, from);
    }

    /** For a command that only needs these options (tests, internal re-parses). */
    public static Args parse(List<Option> options, String... argv) {
        return new Args("command", "", options, argv, 0);
    }

    public boolean helpRequested() {
        return help;
    }

    /** picocli's usage text: every option with its default and description. */
    public String usage() {
        StringWriter text = new StringWriter();
        parser.usage(new java.io.PrintWriter(text));
        return text.toString();
    }

    /** Given on the command line or in the config file. */
    public boolean has(String name) {
        option(name);
        return values.containsKey(name);
    }

    /** The given value, else the declared default (null if it has none). */
    public String get(String name) {
        Object v = value(name);
        return v == null ? null : String.valueOf(v);
    }

    public int getInt(String name) {
        return ((Number) required(name)).intValue();
    }

    public long getLong(String name) {
        return ((Number) required(name)).longValue();
    }

    public double getDouble(String name) {
        return ((Number) required(name)).doubleValue();
    }

    public boolean getBoolean(String name) {
        return (Boolean) required(name);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String name) {
        Object v = value(name);
        return v == null ? List.of() : List.copyOf((List<String>) v);
    }

    /** For options whose default is computed: the given value, else {@code computed}. */
    public String get(String name, String computed) {
        return has(computedOnly(name)) ? get(name) : computed;
    }

    public int getInt(String name, int computed) {
        return has(computedOnly(name)) ? getInt(name) : computed;
    }

    public long getLong(String name, long computed) {
        return has(computedOnly(name)) ? getLong(name) : computed;
    }

    public double getDouble(String name, double computed) {
        return has(computedOnly(name)) ? getDouble(name) : computed;
    }

    /** The given options but {@code except}, as arguments {@code --key=value} that parse back to them. */
    public List<String> argv(Set<String> except) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (except.contains(e.getKey()) || e.getKey().equals(CONFIG.name())) {
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
    public String given(String except) {
        return String.join(" ", argv(Set.of(except)).stream().sorted().toList());
    }

    /**
     * The effective configuration as a config file: every option given or defaulted (computed ones
     * as comments), Kafka properties as {@code kafka.K=V} with passwords and JAAS settings hidden.
     */
    public String effectiveConfig() {
        StringBuilder out = new StringBuilder();
        for (Option o : declared.values()) {
            if (o == CONFIG || o == PRINT_CONFIG) {
                continue;
            }
            if (o.type() == Option.Type.LIST) {
                for (String kv : getList(o.name())) {
                    String[] p = kv.split("=", 2);
                    boolean secret = p[0].contains("password") || p[0].contains("jaas");
                    out.append(KAFKA_PREFIX).append(p[0]).append('=')
                            .append(secret ? "<hidden>" : p.length > 1 ? p[1] : "").append('\n');
                }
            } else if (get(o.name()) != null) {
                out.append(o.name()).append('=').append(get(o.name())).append('\n');
            } else {
                out.append("# ").append(o.name()).append(": ").append(o.shownDefault()).append('\n');
            }
        }
        return out.toString();
    }

    private Option option(String name) {
        Option o = declared.get(name);
        if (o == null) {
            throw new IllegalStateException("option --" + name + " is not declared for this command");
        }
        return o;
    }

    private Object value(String name) {
        Option o = option(name);
        if (values.containsKey(name)) {
            return values.get(name);
        }
        if (o.defaultValue() == null) {
            return null;
        }
        return switch (o.type()) {
            case INT -> Integer.valueOf(o.defaultValue());
            case LONG -> Long.valueOf(o.defaultValue());
            case DOUBLE -> Double.valueOf(o.defaultValue());
            case BOOLEAN -> Boolean.valueOf(o.defaultValue());
            default -> o.defaultValue();
        };
    }

    private Object required(String name) {
        Object v = value(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    /** A computed default lives at the call site; a declared one only in the declaration. */
    private String computedOnly(String name) {
        if (option(name).defaultValue() != null) {
            throw new IllegalStateException("--" + name + " has a declared default; read it without a fallback");
        }
        return name;
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
            throw new IllegalArgumentException("--config " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        List<String> out = new ArrayList<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            String value = unquote(p.getProperty(key).trim());
            if (key.startsWith(KAFKA_PREFIX) && declared.containsKey(KAFKA_PROPERTY)) {
                out.add("--" + KAFKA_PROPERTY + "=" + key.substring(KAFKA_PREFIX.length()) + "=" + value);
            } else if (declared.containsKey(key) && !key.equals(CONFIG.name())) {
                out.add("--" + key + "=" + value);
            } else {
                throw new IllegalArgumentException("--config " + file + ": unknown key '" + key + "'"
                        + Nearest.hint(key, declared.keySet()));
            }
        }
        return out;
    }

    /** YAML's quotes around a scalar. */
    private static String unquote(String v) {
        boolean quoted = v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"));
        return quoted ? v.substring(1, v.length() - 1) : v;
    }
}
