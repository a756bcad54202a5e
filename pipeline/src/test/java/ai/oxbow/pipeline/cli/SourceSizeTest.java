package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Classes stay small enough to read (docs/development.md, "Conventions"): no source file under a
 * module's {@code src/main} over {@value #MAX_LINES} lines as formatted, and the trainer operator,
 * which every change to training goes through, under {@value #OPERATOR_MAX_LINES}.
 */
class SourceSizeTest {
    static final int MAX_LINES = 400;
    static final int OPERATOR_MAX_LINES = 250;
    private static final Path ROOT = Path.of("..");

    @Test
    void noMainClassIsLong() throws IOException {
        List<String> long_ = mainSources()
                .filter(f -> lines(f) > (f.endsWith("TrainerOperator.java") ? OPERATOR_MAX_LINES : MAX_LINES))
                .map(f -> ROOT.relativize(f) + ": " + lines(f) + " lines")
                .toList();
        assertEquals(List.of(), long_, "split these classes");
    }

    private static Stream<Path> mainSources() throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(ROOT, 16)) {
            files = all.filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .toList();
        }
        if (files.size() < 100) {
            throw new IllegalStateException("found " + files.size() + " sources under " + ROOT.toAbsolutePath());
        }
        return files.stream();
    }

    private static long lines(Path f) {
        try (Stream<String> l = Files.lines(f)) {
            return l.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
