package ai.oxbow.pipeline.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;

/**
 * The files of a run directory, and their formats: those {@code oxbow report} reads, and the
 * trainer's final state and events.
 *
 * <p>Every CSV file: one record per line, fields separated by commas, numbers in Java/C notation
 * ({@code 0.25}, {@code 1.5E-4}; {@code NaN}, {@code nan} or an empty field for a missing value). An optional header line is allowed (a first line whose
 * first field is not a number, e.g. {@code step,loss,lr}); blank lines and lines starting with
 * {@code #} are ignored. Files are appended to while a job runs, and a job that fails over replays
 * the steps since its last checkpoint: for files keyed by step, the <b>last</b> line of a step wins,
 * and records are sorted by step.
 *
 * <table>
 * <caption>run directory files</caption>
 * <tr><th>file</th><th>columns</th><th>written</th></tr>
 * <tr><td>{@value #LOSSES}</td><td>{@code step,loss,lr}: optimiser step (1, 2, ...), the loss of that
 *     step, the learning rate used by it</td><td>by the trainer, every step (required)</td></tr>
 * <tr><td>{@value #KNN}</td><td>{@code step,knn_top1}: kNN top-1 accuracy of the embeddings at that
 *     step, as a fraction in [0, 1] ({@code NaN} while unknown)</td><td>by the trainer, every batch or
 *     every evaluation (optional)</td></tr>
 * <tr><td>{@value #COLLAPSE}</td><td>{@code step,collapse_std,rankme[,alignment,uniformity]}: the collapse
 *     indicator (std of the l2-normalised projections, about 1/sqrt(d) when healthy), RankMe (effective
 *     rank of recent embeddings) and, optionally, alignment and uniformity (Wang and Isola 2020) at that
 *     step; any value may be {@code NaN} when it was not computed</td>
 *     <td>by the trainer, every progress interval (optional)</td></tr>
 * <tr><td>{@value #THROUGHPUT}</td><td>{@code time_s,train_images_per_s,arriving_images_per_s}: seconds
 *     since the trainer opened, source images trained per second and images arriving at the trainer per second over
 *     the interval ending then</td><td>by the trainer, every few seconds (optional)</td></tr>
 * <tr><td>{@value #KNN_CURVE}</td><td>{@code step,seconds,knn_top1}: the kNN top-1 of published
 *     versions (the step is the version) on a fixed subset, with the seconds since the run started
 *     at which each was published: quality over time</td><td>by `demo` after the run (optional)</td></tr>
 * <tr><td>{@value #EMBEDDINGS}</td><td>{@code label,v1,v2,...,vd}: a label (any text without a comma,
 *     e.g. the class index) then the embedding's d values; every line has the same d</td>
 *     <td>after the run, e.g. the evaluation embeddings (optional)</td></tr>
 * <tr><td>{@value #SUMMARY}</td><td>Java properties; {@code collapse_std_healthy} (= 1/sqrt(d)) or
 *     {@code projection_dim} (d of the projections the collapse indicator is computed on) draws the
 *     collapse chart's reference line; {@code method}, {@code encoder}, {@code batch}, {@code steps},
 *     {@code images_trained}, {@code train_images_per_s}, {@code knn_top1} appear in the report's title</td>
 *     <td>by the trainer at the end of a bounded run (optional)</td></tr>
 * <tr><td>{@value #FINAL_STATE}</td><td>the trainer's state (a trainer state blob, for evaluation and
 *     {@code export --state})</td><td>by the trainer at the end of a bounded run</td></tr>
 * <tr><td>{@value #TRAINER_EVENTS}</td><td>one line per trainer event (restore, collapse alarm): an ISO-8601
 *     time, a space, the event</td><td>by the trainer, as they happen</td></tr>
 * </table>
 */
public final class RunFiles {
    public static final String LOSSES = "losses.csv";
    public static final String KNN = "knn.csv";
    public static final String COLLAPSE = "collapse.csv";
    public static final String THROUGHPUT = "throughput.csv";
    public static final String EMBEDDINGS = "embeddings.csv";
    public static final String KNN_CURVE = "knn-curve.csv";
    public static final String SUMMARY = "trainer-summary.properties";
    public static final String FINAL_STATE = "final-state.bin";
    public static final String TRAINER_EVENTS = "trainer-events.log";

    private RunFiles() {}

    /** Columns of a numeric CSV file; column 0 is the key (step or time). */
    public record Table(Path file, List<double[]> rows) {
        public int size() {
            return rows.size();
        }

        public double[] column(int c) {
            double[] out = new double[rows.size()];
            for (int i = 0; i < out.length; i++) {
                double[] r = rows.get(i);
                out[i] = c < r.length ? r[c] : Double.NaN;
            }
            return out;
        }

        /** True when column c has at least one finite value. */
        public boolean hasValues(int c) {
            for (double v : column(c)) {
                if (Double.isFinite(v)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Reads a numeric CSV with at least {@code columns} fields per record (further fields are kept:
     * {@link Table#column} is NaN where a record is shorter).
     *
     * @param keyedByStep keep the last record of each key (column 0) and sort by it
     */
    public static Table readTable(Path file, int columns, boolean keyedByStep) throws IOException {
        List<double[]> rows = new ArrayList<>();
        int lineNo = 0;
        boolean first = true;
        try (BufferedReader r = Files.newBufferedReader(file)) {
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                boolean header = first && !isNumber(f[0]);
                first = false;
                if (header) {
                    continue;
                }
                if (f.length < columns) {
                    throw new IOException(file + ":" + lineNo + ": expected " + columns + " fields, got " + f.length);
                }
                double[] v = new double[f.length];
                for (int c = 0; c < f.length; c++) {
                    try {
                        v[c] = number(f[c]);
                    } catch (NumberFormatException e) {
                        throw new IOException(file + ":" + lineNo + ": not a number: '" + f[c] + "'");
                    }
                }
                rows.add(v);
            }
        }
        if (keyedByStep) {
            TreeMap<Double, double[]> last = new TreeMap<>();
            for (double[] row : rows) {
                last.put(row[0], row);
            }
            rows = new ArrayList<>(last.values());
        }
        return new Table(file, rows);
    }

    static boolean isNumber(String s) {
        try {
            number(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A number as Java or C/Python print it; an empty field, {@code nan} and {@code NaN} are NaN. */
    static double number(String s) {
        String t = s.strip();
        switch (t.toLowerCase(java.util.Locale.ROOT)) {
            case "", "nan", "-nan" -> {
                return Double.NaN;
            }
            case "inf", "+inf", "infinity", "+infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
                return Double.parseDouble(t);
            }
        }
    }

    /** Labelled embeddings, at most {@code max} of them (a uniform sample, reproducible by seed). */
    public record Embeddings(String[] labels, double[][] vectors, long total) {
        public int size() {
            return labels.length;
        }
    }

    /**
     * Reads {@value #EMBEDDINGS} in one pass, keeping a uniform random sample of {@code max} records
     * (reservoir sampling, fixed seed), in file order.
     */
    public static Embeddings readEmbeddings(Path file, int max, long seed) throws IOException {
        Random random = new Random(seed);
        List<Object[]> kept = new ArrayList<>(); // {Long index, String label, double[] vector}
        long seen = 0;
        int dim = -1;
        int lineNo = 0;
        boolean first = true;
        try (BufferedReader r = Files.newBufferedReader(file)) {
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int comma = line.indexOf(',');
                if (comma < 0) {
                    throw new IOException(file + ":" + lineNo + ": expected label,v1,...,vd");
                }
                String[] f = line.substring(comma + 1).split(",", -1);
                boolean header = first && !isNumber(f[0]);
                first = false;
                if (header) {
                    continue;
                }
                if (dim < 0) {
                    dim = f.length;
                } else if (f.length != dim) {
                    throw new IOException(
                            file + ":" + lineNo + ": " + f.length + " values, the first record has " + dim);
                }
                long index = seen++;
                int slot;
                if (kept.size() < max) {
                    slot = kept.size();
                    kept.add(null);
                } else {
                    long j = (long) (random.nextDouble() * seen);
                    if (j >= max) {
                        continue;
                    }
                    slot = (int) j;
                }
                double[] v = new double[dim];
                for (int d = 0; d < dim; d++) {
                    try {
                        v[d] = number(f[d]);
                    } catch (NumberFormatException e) {
                        throw new IOException(file + ":" + lineNo + ": not a number: '" + f[d] + "'");
                    }
                }
                kept.set(slot, new Object[] {index, line.substring(0, comma).strip(), v});
            }
        }
        kept.sort((a, b) -> Long.compare((Long) a[0], (Long) b[0]));
        String[] labels = new String[kept.size()];
        double[][] vectors = new double[kept.size()][];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (String) kept.get(i)[1];
            vectors[i] = (double[]) kept.get(i)[2];
        }
        return new Embeddings(labels, vectors, seen);
    }

    /**
     * Writes {@value #EMBEDDINGS}: the first {@code max} of {@code labels.length} vectors, stored row
     * after row in {@code vectors} ({@code dim} values each), as {@code label,v1,...,vd} lines.
     */
    public static Path writeEmbeddings(Path runDir, int[] labels, float[] vectors, int dim, int max)
            throws IOException {
        if (vectors.length != (long) labels.length * dim) {
            throw new IllegalArgumentException(
                    vectors.length + " values for " + labels.length + " labels of dim " + dim);
        }
        Path file = runDir.resolve(EMBEDDINGS);
        try (java.io.BufferedWriter w = Files.newBufferedWriter(file)) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < Math.min(max, labels.length); i++) {
                line.setLength(0);
                line.append(labels[i]);
                for (int d = 0; d < dim; d++) {
                    line.append(',').append(vectors[i * dim + d]);
                }
                w.write(line.append('\n').toString());
            }
        }
        return file;
    }

    /** {@value #SUMMARY} as a map; empty when absent. */
    public static Map<String, String> summary(Path runDir) throws IOException {
        Path file = runDir.resolve(SUMMARY);
        Map<String, String> out = new TreeMap<>();
        if (Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
            p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        }
        return out;
    }
}
