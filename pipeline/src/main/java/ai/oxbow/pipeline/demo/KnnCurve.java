package ai.oxbow.pipeline.demo;

import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.eval.FrozenProbe;
import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.pipeline.report.RunFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Time to quality: the kNN probe of published versions from the model registry, up to
 * {@code points} of them evenly spaced by step (the first and the last included), each against a
 * fixed subset (memory and queries, so that a point costs seconds, not a minute), with the
 * seconds since the run started at which the version was published (its registry file's
 * modification time). Written to {@value RunFiles#KNN_CURVE} for `report`.
 */
final class KnnCurve {
    private KnnCurve() {}

    static Path write(
            Path runDir,
            ModelRegistry registry,
            LabeledImages memory,
            LabeledImages queries,
            int classes,
            long startMs,
            int points)
            throws IOException {
        List<Long> versions = registry.versions();
        Path file = runDir.resolve(RunFiles.KNN_CURVE);
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write("step,seconds,knn_top1\n");
            int n = Math.min(points, versions.size());
            long previous = -1;
            for (int i = 0; i < n; i++) {
                long version =
                        versions.get(n == 1 ? 0 : (int) Math.round((double) i * (versions.size() - 1) / (n - 1)));
                if (version == previous) {
                    continue;
                }
                previous = version;
                double seconds =
                        (Files.getLastModifiedTime(registry.file(version)).toMillis() - startMs) / 1e3;
                try (Embedder e = new Embedder(registry.load(version))) {
                    w.write(String.format(
                            Locale.ROOT,
                            "%d,%.1f,%.4f%n",
                            version,
                            seconds,
                            FrozenProbe.knn(e, memory, queries, classes)));
                }
            }
        }
        return file;
    }
}
