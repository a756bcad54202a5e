package ai.oxbow.model.method;

import ai.oxbow.model.util.KeyValues;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * String options for a method (from the command line or job config), read with typed
 * defaults by each method's Params record. It remembers every key read and the value in force
 * (given or default): that is the method part of the trainer state's fingerprint.
 */
public final class MethodOptions {
    private final Map<String, String> values;
    private final SortedMap<String, String> resolved = new TreeMap<>();

    public MethodOptions(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public float getFloat(String key, float fallback) {
        String v = values.get(key);
        return record(key, v == null ? fallback : KeyValues.toFloat(subject(key), v));
    }

    public String getString(String key, String fallback) {
        return record(key, values.getOrDefault(key, fallback));
    }

    public int getInt(String key, int fallback) {
        String v = values.get(key);
        return record(key, v == null ? fallback : KeyValues.toInt(subject(key), v));
    }

    private static String subject(String key) {
        return "method option '" + key + "'";
    }

    /** Every key read so far with the value it had. */
    public synchronized SortedMap<String, String> resolved() {
        return new TreeMap<>(resolved);
    }

    private synchronized <T> T record(String key, T value) {
        resolved.put(key, String.valueOf(value));
        return value;
    }
}
