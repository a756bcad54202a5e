package ai.oxbow.pipeline.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One command-line option, declared once: the parser ({@link Args}), {@code --help}, config files
 * and README's option tables all read this declaration, so they cannot drift apart.
 *
 * @param defaultValue the value when not given, as it would be written; null when there is none
 *                     or it is computed (then {@code shownDefault} says how, e.g. "the method's")
 * @param check        the problem with a parsed value, or null when it is fine
 */
public record Option(String name, Type type, String defaultValue, String shownDefault, String description,
                     Function<Object, String> check) {

    public enum Type {
        STRING(String.class, "TEXT"), INT(Integer.class, "N"), LONG(Long.class, "N"), DOUBLE(Double.class, "X"),
        BOOLEAN(Boolean.class, "BOOL"),
        /** Repeatable: every occurrence adds a value. */
        LIST(String.class, "K=V");

        final Class<?> javaType;
        final String label;

        Type(Class<?> javaType, String label) {
            this.javaType = javaType;
            this.label = label;
        }
    }

    public static Option string(String name, String defaultValue, String description) {
        String shown = defaultValue == null ? null : defaultValue.isEmpty() ? "none" : defaultValue;
        return new Option(name, Type.STRING, defaultValue, shown, description, v -> null);
    }

    public static Option integer(String name, long defaultValue, String description) {
        return new Option(name, Type.INT, String.valueOf(defaultValue), String.valueOf(defaultValue), description,
                v -> null);
    }

    public static Option longInteger(String name, long defaultValue, String description) {
        return new Option(name, Type.LONG, String.valueOf(defaultValue), String.valueOf(defaultValue), description,
                v -> null);
    }

    public static Option decimal(String name, double defaultValue, String description) {
        String shown = defaultValue == Math.rint(defaultValue) ? String.valueOf((long) defaultValue)
                : String.valueOf(defaultValue);
        return new Option(name, Type.DOUBLE, shown, shown, description, v -> null);
    }

    /** A boolean: {@code --name} alone is true; else exactly {@code true} or {@code false}. */
    public static Option flag(String name, boolean defaultValue, String description) {
        return new Option(name, Type.BOOLEAN, String.valueOf(defaultValue), String.valueOf(defaultValue), description,
                v -> null);
    }

    public static Option list(String name, String description) {
        return new Option(name, Type.LIST, null, "none", description, v -> null);
    }

    /** An option without a fixed default: absent unless given, {@code shown} says what applies then. */
    public Option computed(String shown) {
        return new Option(name, type, null, shown, description, check);
    }

    public Option withDefault(String value) {
        return new Option(name, type, value, value, description, check);
    }

    /** Only these values. */
    public Option oneOf(String... values) {
        List<String> allowed = Arrays.asList(values);
        return new Option(name, type, defaultValue, shownDefault, description + " (" + String.join(", ", values) + ")",
                v -> allowed.contains(String.valueOf(v)) ? null : "must be one of " + String.join(", ", values));
    }

    /** At least {@code min}. */
    public Option atLeast(double min) {
        String shownMin = min == Math.rint(min) ? String.valueOf((long) min) : String.valueOf(min);
        return new Option(name, type, defaultValue, shownDefault, description,
                v -> ((Number) v).doubleValue() >= min ? null : "must be at least " + shownMin);
    }

    /** {@code --name} */
    public String flagName() {
        return "--" + name;
    }

    /** The same options with some defaults replaced (a command whose defaults differ, e.g. demo's cosine schedule). */
    public static List<Option> override(List<Option> options, Map<String, Option> replacements) {
        List<Option> out = new ArrayList<>();
        for (Option o : options) {
            out.add(replacements.getOrDefault(o.name(), o));
        }
        if (!out.containsAll(replacements.values())) {
            throw new IllegalStateException("override of an option not in the list: " + replacements.keySet());
        }
        return out;
    }
}
