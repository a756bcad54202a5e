package ai.oxbow.model.state;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything that shaped a piece of state (method and its options, optimiser, encoder, input
 * shape, augmentation, replay), as sorted key = value text, stored in the blob's header so that a
 * restore can refuse a mismatch before it reads, let alone writes, anything, naming the field.
 */
public record Fingerprint(SortedMap<String, String> fields) {
    public Fingerprint {
        fields = Collections.unmodifiableSortedMap(new TreeMap<>(fields));
    }

    public static Fingerprint of(SortedMap<String, String> fields) {
        return new Fingerprint(fields);
    }

    /** This fingerprint with the fields of another (prefixed) added. */
    public Fingerprint with(String prefix, Fingerprint other) {
        TreeMap<String, String> all = new TreeMap<>(fields);
        other.fields.forEach((k, v) -> all.put(prefix + k, v));
        return new Fingerprint(all);
    }

    /**
     * Refuses a stored fingerprint that differs from this (live) one in any field outside
     * {@code mayChange}, naming every such field with both values.
     *
     * @return the fields of {@code mayChange} that differ (empty: the same configuration)
     */
    public Set<String> accept(Fingerprint stored, Set<String> mayChange, String what) {
        Set<String> keys = new TreeSet<>(fields.keySet());
        keys.addAll(stored.fields.keySet());
        StringBuilder diff = new StringBuilder();
        Set<String> changed = new TreeSet<>();
        for (String k : keys) {
            String was = stored.fields.get(k);
            String now = fields.get(k);
            if (Objects.equals(was, now)) {
                continue;
            }
            if (mayChange.contains(k)) {
                changed.add(k);
            } else {
                diff.append(diff.length() == 0 ? "" : "; ")
                        .append(k)
                        .append(": stored ")
                        .append(was == null ? "(absent)" : was)
                        .append(", now ")
                        .append(now == null ? "(absent)" : now);
            }
        }
        if (diff.length() > 0) {
            throw new IllegalArgumentException(what + " was written by a different configuration (" + diff
                    + "); refusing to restore it. Fields that may change across a restore: "
                    + new TreeSet<>(mayChange));
        }
        return changed;
    }

    /** A float array as a field value ({@link Arrays#toString(float[])}: it parses back exactly). */
    public static String floats(float[] values) {
        return Arrays.toString(values);
    }

    /** A field value written by {@link #floats(float[])}. */
    public static float[] floats(String text) {
        String inner = text.substring(1, text.length() - 1).trim();
        if (inner.isEmpty()) {
            return new float[0];
        }
        String[] parts = inner.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.parseFloat(parts[i].trim());
        }
        return out;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(fields.size());
        for (var e : fields.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    static Fingerprint read(BlobReader in) throws IOException {
        int n = in.count("fingerprint field count", 4);
        TreeMap<String, String> fields = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            fields.put(in.readUTF(), in.readUTF());
        }
        return new Fingerprint(fields);
    }
}
