package ai.oxbow.model.method;

import java.util.Map;

/**
 * String options for a method (from the command line or job config), read with typed
 * defaults by each method's Params record.
 */
public record MethodOptions(Map<String, String> values) {
    public static final MethodOptions DEFAULTS = new MethodOptions(Map.of());

    public float getFloat(String key, float fallback) {
        String v = values.get(key);
        return v == null ? fallback : Float.parseFloat(v);
    }

    public String getString(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    public int getInt(String key, int fallback) {
        String v = values.get(key);
        return v == null ? fallback : Integer.parseInt(v);
    }
}
