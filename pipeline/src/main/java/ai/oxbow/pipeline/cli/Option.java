package ai.oxbow.pipeline.cli;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One command-line option, declared once as a typed constant: the parser ({@link Args}, read back
 * with {@code args.get(BATCH)}), {@code --help}, config files and docs/cli.md's option tables all read
 * this declaration, so they cannot drift apart.
 *
 * @param <T>          the value's type: String, Integer, Long, Double, Boolean or a list of strings
 * @param defaultValue the value when not given; null when there is none or it is computed (then
 *                     {@code shownDefault} says how, e.g. "the method's")
 * @param check        the problem with a parsed value, or null when it is fine
 * @param mandatory    the command refuses to start without it ({@link #required})
 */
public record Option<T>(
        String name,
        Type<T> type,
        T defaultValue,
        String shownDefault,
        String description,
        Function<T, String> check,
        boolean mandatory) {

    /** The value types, each with its label in {@code --help} and README's tables. */
    public record Type<T>(Class<?> javaType, String label) {
        public static final Type<String> STRING = new Type<>(String.class, "TEXT");
        public static final Type<Integer> INT = new Type<>(Integer.class, "N");
        public static final Type<Long> LONG = new Type<>(Long.class, "N");
        public static final Type<Double> DOUBLE = new Type<>(Double.class, "X");
        public static final Type<Boolean> BOOLEAN = new Type<>(Boolean.class, "BOOL");
        /** Repeatable: every occurrence adds a value. */
        public static final Type<List<String>> LIST = new Type<>(List.class, "K=V");
    }

    public static Option<String> string(String name, String defaultValue, String description) {
        return new Option<>(
                name,
                Type.STRING,
                defaultValue,
                defaultValue.isEmpty() ? "none" : defaultValue,
                description,
                v -> null,
                false);
    }

    /** Without a default: absent unless given ({@link #computed} says what applies then). */
    public static Option<String> string(String name, String description) {
        return new Option<>(name, Type.STRING, null, "none", description, v -> null, false);
    }

    public static Option<Integer> integer(String name, int defaultValue, String description) {
        return new Option<>(name, Type.INT, defaultValue, String.valueOf(defaultValue), description, v -> null, false);
    }

    public static Option<Integer> integer(String name, String description) {
        return new Option<>(name, Type.INT, null, "none", description, v -> null, false);
    }

    public static Option<Long> longInteger(String name, long defaultValue, String description) {
        return new Option<>(name, Type.LONG, defaultValue, String.valueOf(defaultValue), description, v -> null, false);
    }

    public static Option<Long> longInteger(String name, String description) {
        return new Option<>(name, Type.LONG, null, "none", description, v -> null, false);
    }

    public static Option<Double> decimal(String name, double defaultValue, String description) {
        return new Option<>(name, Type.DOUBLE, defaultValue, shown(defaultValue), description, v -> null, false);
    }

    public static Option<Double> decimal(String name, String description) {
        return new Option<>(name, Type.DOUBLE, null, "none", description, v -> null, false);
    }

    /** A boolean: {@code --name} alone is true; else exactly {@code true} or {@code false}. */
    public static Option<Boolean> flag(String name, boolean defaultValue, String description) {
        return new Option<>(
                name, Type.BOOLEAN, defaultValue, String.valueOf(defaultValue), description, v -> null, false);
    }

    /** Repeatable; none by default. */
    public static Option<List<String>> list(String name, String description) {
        return new Option<>(name, Type.LIST, List.of(), "none", description, v -> null, false);
    }

    /** Without a fixed default: absent unless given, {@code shown} says what applies then. */
    public Option<T> computed(String shown) {
        return new Option<>(name, type, null, shown, description, check, false);
    }

    /** The command refuses to start without it. */
    public Option<T> required() {
        return new Option<>(name, type, null, "required", description, check, true);
    }

    /** Only these values. */
    public Option<T> oneOf(String... values) {
        List<String> allowed = Arrays.asList(values);
        return new Option<>(
                name,
                type,
                defaultValue,
                shownDefault,
                description + " (" + String.join(", ", values) + ")",
                v -> allowed.contains(String.valueOf(v)) ? null : "must be one of " + String.join(", ", values),
                mandatory);
    }

    /** @param check the problem with a given value, or null when it is fine */
    public Option<T> checked(Function<T, String> check) {
        return new Option<>(name, type, defaultValue, shownDefault, description, check, mandatory);
    }

    /** At least {@code min} (a number option). */
    public Option<T> atLeast(double min) {
        return new Option<>(
                name,
                type,
                defaultValue,
                shownDefault,
                description,
                v -> ((Number) v).doubleValue() >= min ? null : "must be at least " + shown(min),
                mandatory);
    }

    /** {@code --name} */
    public String flagName() {
        return "--" + name;
    }

    /** How a message names it: {@code option '--name'} (see {@code KeyValues}, picocli's wording). */
    public String subject() {
        return "option '" + flagName() + "'";
    }

    private static String shown(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
