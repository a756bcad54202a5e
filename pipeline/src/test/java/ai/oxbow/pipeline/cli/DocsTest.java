package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation stays readable and true: README.md is short, no line of README.md or docs/ is
 * too long, neither names commit hashes or issue numbers (docs/history/ may: it is the record),
 * every relative link and anchor resolves, and the result tables are the rendering of their JSON
 * lines. The option tables and the command lines have their own tests ({@link OptionTablesTest},
 * {@link ReadmeExamplesTest}).
 */
class DocsTest {
    static final int README_MAX_LINES = 200;
    static final int MAX_LINE = 200;
    private static final Path ROOT = Path.of("..");
    private static final Path HISTORY = ROOT.resolve("docs").resolve("history");
    /** A short or full commit hash: 7 to 40 lowercase hex characters with at least one digit and one letter. */
    private static final Pattern COMMIT =
            Pattern.compile("(?<![\\w./#-])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![\\w-])");
    /** "issue 11", "issues 7 and 9", "#12", "PR 3". */
    private static final Pattern ISSUE =
            Pattern.compile("(?i)(\\b(issues?|pr|pull request)\\s*#?\\d+)|((?<![\\w&/])#\\d+\\b)");

    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

    @Test
    void readmeIsShort() throws IOException {
        long lines = Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8)
                .size();
        assertTrue(
                lines <= README_MAX_LINES,
                "README.md has " + lines + " lines; at most " + README_MAX_LINES
                        + ": move details to a page under docs/");
    }

    @Test
    void noLineIsTooLong() throws IOException {
        List<String> failed = new ArrayList<>();
        for (Path page : currentPages()) {
            int n = 0;
            for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
                n++;
                int length = line.codePointCount(0, line.length());
                if (length > MAX_LINE) {
                    failed.add(page + ":" + n + ": " + length + " characters");
                }
            }
        }
        assertTrue(failed.isEmpty(), "lines over " + MAX_LINE + " characters:\n" + String.join("\n", failed));
    }

    @Test
    void noCommitHashesOrIssueNumbers() throws IOException {
        List<String> failed = new ArrayList<>();
        for (Path page : currentPages()) {
            int n = 0;
            for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
                n++;
                for (Pattern p : List.of(COMMIT, ISSUE)) {
                    Matcher m = p.matcher(line);
                    while (m.find()) {
                        failed.add(page + ":" + n + ": '" + m.group() + "'");
                    }
                }
            }
        }
        assertTrue(
                failed.isEmpty(),
                "commit hashes or issue numbers (they belong in docs/history/):\n" + String.join("\n", failed));
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> failed = new ArrayList<>();
        int checked = 0;
        for (Path page : linkedPages()) {
            Matcher m = LINK.matcher(prose(Files.readString(page, StandardCharsets.UTF_8)));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
                    continue; // http:, https:, mailto:
                }
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved =
                        file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    failed.add(page + ": " + target + " (no such file)");
                } else if (hash >= 0) {
                    String anchor = target.substring(hash + 1);
                    Set<String> known = anchors.computeIfAbsent(resolved, DocsTest::anchors);
                    if (!known.contains(anchor)) {
                        failed.add(page + ": " + target + " (no heading with anchor '" + anchor + "' in " + resolved
                                + ")");
                    }
                }
            }
        }
        assertTrue(checked >= 20, "too few links found: " + checked);
        assertTrue(failed.isEmpty(), "broken links:\n" + String.join("\n", failed));
    }

    /** The tables of docs/quality.md, docs/replay.md and the history are the rendering of their JSON lines. */
    @Test
    void resultTablesMatchTheirData() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("python3", "scripts/quality-table.py", "--check")
                    .directory(ROOT.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new AssertionError("python3 is needed to check the docs' result tables (apt-get install python3)", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "scripts/quality-table.py --check did not finish");
        assertEquals(0, p.exitValue(), output);
    }

    @Test
    void slugsAreGitHubs() {
        assertEquals("probes-knn_top1-and-linear_top1", slug("Probes: `knn_top1` and `linear_top1`"));
        assertEquals("secured-kafka-tls-sasl", slug("Secured Kafka (TLS, SASL)"));
        assertEquals("w-mse", slug("W-MSE"));
        assertEquals("search-the-index-search-serve-reindex", slug("Search: the index, `search`, `serve`, `reindex`"));
    }

    /** README.md and every page under docs/ but the history. */
    private static List<Path> currentPages() throws IOException {
        List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> pages = Files.walk(ROOT.resolve("docs"))) {
            pages.filter(p -> p.toString().endsWith(".md") && !p.startsWith(HISTORY))
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }

    /** README.md, every page under docs/ (the history too: its links must not rot) and deploy/*&#47;README.md. */
    private static List<Path> linkedPages() throws IOException {
        List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> pages = Files.walk(ROOT.resolve("docs"))) {
            pages.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        try (Stream<Path> deploy = Files.list(ROOT.resolve("deploy"))) {
            deploy.map(d -> d.resolve("README.md"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }

    /** The text without fenced code blocks and inline code, where brackets are not links. */
    private static String prose(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced) {
                out.append(line.replaceAll("`[^`]*`", "``")).append('\n');
            }
        }
        return out.toString();
    }

    /** The anchors GitHub gives a page's headings (a repeated heading gets -1, -2, ...). */
    private static Set<String> anchors(Path page) {
        Set<String> out = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        try {
            for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
                if (line.stripLeading().startsWith("```")) {
                    fenced = !fenced;
                }
                Matcher m = HEADING.matcher(line);
                if (!fenced && m.matches()) {
                    String slug = slug(m.group(1));
                    int n = seen.merge(slug, 1, Integer::sum) - 1;
                    out.add(n == 0 ? slug : slug + "-" + n);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** GitHub's heading anchor: link text kept, lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        return text.replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "").replace(' ', '-');
    }
}
