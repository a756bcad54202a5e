package ai.oxbow.model.util;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one parser of {@code key=value} settings and of the numbers in them (method options,
 * augmentation options, Kafka client properties), with one wording for what is wrong:
 * {@code Invalid value for <subject>: '<value>' is not <what>}, the command line parser's own
 * (e.g. {@code Invalid value for option '--batch': 'x' is not an int}).
 *
 * <p>{@code subject} names where the value comes from: {@code "option '--method-options'"},
 * {@code "augmentation option 'views'"}.
 */
public final class KeyValues {
    private KeyValues() {}

    /** {@code key=value,key=value} (blank: none) as an ordered map; keys and values trimmed. */
    public static Map<String, String> list(String subject, String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String item : spec.split(",")) {
            Map.Entry<String, String> kv = pair(subject, item);
            out.put(kv.getKey(), kv.getValue().trim());
        }
        return out;
    }

    /** One {@code key=value}: the key trimmed, the value as given (it may hold '=' or spaces). */
    public static Map.Entry<String, String> pair(String subject, String item) {
        int eq = item.indexOf('=');
        if (eq < 0 || item.substring(0, eq).isBlank()) {
            throw invalid(subject, item, "key=value");
        }
        return Map.entry(item.substring(0, eq).strip(), item.substring(eq + 1));
    }

    public static int toInt(String subject, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(subject, value, "an int");
        }
    }

    public static long toLong(String subject, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(subject, value, "a long");
        }
    }

    /** Parsed as a float, not a double narrowed: the two can differ in the last bit. */
    public static float toFloat(String subject, String value) {
        try {
            return Float.parseFloat(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(subject, value, "a float");
        }
    }

    public static double toDouble(String subject, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(subject, value, "a double");
        }
    }

    /** {@code min:max} as two doubles. */
    public static double[] range(String subject, String value) {
        String[] ends = value.split(":");
        if (ends.length != 2) {
            throw invalid(subject, value, "min:max");
        }
        return new double[] {toDouble(subject, ends[0]), toDouble(subject, ends[1])};
    }

    public static IllegalArgumentException invalid(String subject, String value, String what) {
        return new IllegalArgumentException("Invalid value for " + subject + ": '" + value + "' is not " + what);
    }
}
