package ai.oxbow.pipeline.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** `--key value` and `--flag` arguments; unknown keys are an error, so typos do not pass silently. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    public Args(String[] argv, int from) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String key = a.substring(2);
            int eq = key.indexOf('=');
            if (eq > 0) {
                values.put(key.substring(0, eq), key.substring(eq + 1));
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                values.put(key, argv[++i]);
            } else {
                values.put(key, "true");
            }
        }
    }

    public String get(String key, String fallback) {
        used.add(key);
        return values.getOrDefault(key, fallback);
    }

    public boolean has(String key) {
        used.add(key);
        return values.containsKey(key);
    }

    public int getInt(String key, int fallback) {
        return Integer.parseInt(get(key, String.valueOf(fallback)));
    }

    public long getLong(String key, long fallback) {
        return Long.parseLong(get(key, String.valueOf(fallback)));
    }

    public double getDouble(String key, double fallback) {
        return Double.parseDouble(get(key, String.valueOf(fallback)));
    }

    /** The given options but {@code except}, sorted, as {@code --key=value ...}: what a run was started with. */
    public String given(String except) {
        return String.join(" ", argv(Set.of(except)));
    }

    /** The given options but {@code except}, sorted, as arguments {@code --key=value} that parse back to them. */
    public List<String> argv(Set<String> except) {
        return values.keySet().stream().filter(k -> !except.contains(k)).sorted()
                .map(k -> "--" + k + "=" + values.get(k)).toList();
    }

    /** Fails on options nobody asked for. */
    public void checkAllUsed() {
        Set<String> unknown = new HashSet<>(values.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): --" + String.join(", --", unknown));
        }
    }
}
