package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every concrete command line in the documentation ({@code java -jar pipeline/target/oxbow.jar
 * CMD --option value ...}, not usage patterns with [optional] or {a,b} parts) parses: its options
 * exist and its values have their types. Placeholders ({@code <run dir>}, {@code $S}) become "x".
 * The documentation: README.md, docs/ and its subfolders but docs/history/, deploy/*&#47;README.md.
 */
class ReadmeExamplesTest {
    private static final Pattern EXAMPLE = Pattern.compile("-jar \\S*oxbow\\.jar ((?:[^`\\n\\\\]|\\\\\\n)+)");

    @Test
    void everyDocumentedCommandLineParses() throws IOException {
        List<String> checked = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher m = EXAMPLE.matcher(Files.readString(doc));
            while (m.find()) {
                String line =
                        m.group(1).replace("\\\n", " ").replaceAll("#.*", "").trim();
                String[] argv = line.replaceAll("<[^>]*>", "x")
                        .replaceAll("\\$\\{?\\w+}?", "x")
                        .split("\\s+");
                // A usage pattern, not an example: optional parts, choices, elisions, DIR-like placeholders.
                if (line.matches(".*(\\.\\.\\.|\\[|\\{|\\|).*")
                        || Stream.of(argv).anyMatch(t -> t.matches("[A-Z][A-Z_:]*"))) {
                    continue;
                }
                checked.add(doc + ": " + line);
                try {
                    Oxbow.Found found = Oxbow.find(argv);
                    found.command().parse(argv, found.from());
                } catch (IllegalArgumentException e) {
                    failed.add(doc + ": " + line + " -> " + e.getMessage());
                }
            }
        }
        assertTrue(checked.size() >= 10, "too few examples found: " + checked);
        assertTrue(failed.isEmpty(), String.join("\n", failed));
    }

    /**
     * README.md, every page under docs/ but the history (it quotes commands of earlier builds), and
     * deploy/*&#47;README.md.
     */
    static List<Path> docs() throws IOException {
        Path root = Path.of("..");
        Path history = root.resolve("docs").resolve("history");
        List<Path> out = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> pages = Files.walk(root.resolve("docs"))) {
            pages.filter(p -> p.toString().endsWith(".md") && Files.isRegularFile(p) && !p.startsWith(history))
                    .sorted()
                    .forEach(out::add);
        }
        try (Stream<Path> deploy = Files.list(root.resolve("deploy"))) {
            deploy.filter(Files::isDirectory)
                    .map(d -> d.resolve("README.md"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }
}
