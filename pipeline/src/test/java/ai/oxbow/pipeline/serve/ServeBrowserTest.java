package ai.oxbow.pipeline.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search page in a real browser: Debian's Chromium, headless (scripts/test.sh installs it),
 * opens {@code /?id=...#token=...}, which runs the search as a click on a picked image does; the
 * hits it shows must be the API's, in order, with their thumbnails drawn (fetched with the token).
 * Without the token the page asks for it and shows nothing.
 */
class ServeBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Pattern HIT = Pattern.compile("<div class=\"card hit\" data-image-id=\"([^\"]+)\"");
    static final String TOKEN = "browser-test-token-0123456789";

    static List<String> chromium(Path profile, String... args) throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": scripts/test.sh installs Debian's chromium");
        List<String> cmd = new ArrayList<>(List.of(
                CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--virtual-time-budget=20000",
                "--window-size=1100,900"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(false)
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish in 120 s");
        assertEquals(0, p.exitValue(), "chromium exit code");
        return Files.readAllLines(out);
    }

    @Test
    void thePageShowsTheApisNeighboursWithThumbnails(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("index"));
        Files.createDirectories(dir.resolve("models"));
        try (ServeFixture fixture = new ServeFixture(
                dir.resolve("index"), dir.resolve("models"), null, new BearerToken(TOKEN), Limits.DEFAULTS)) {
            JsonNode api = new ObjectMapper()
                    .readTree(HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(fixture.url + "api/search?id=gen-17&k=10"))
                                            .header("Authorization", "Bearer " + TOKEN)
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body());
            List<String> expected = new ArrayList<>();
            api.get("hits").forEach(h -> expected.add(h.get("image_id").asText()));

            String page = fixture.url + "?id=gen-17";
            String locked = String.join("\n", chromium(dir.resolve("profile0"), "--dump-dom", page));
            assertTrue(locked.contains("data-needs-token=\"true\""), locked);
            assertFalse(HIT.matcher(locked).find(), "no hits without the token");

            String dom = String.join("\n", chromium(dir.resolve("profile1"), "--dump-dom", page + "#token=" + TOKEN));
            assertTrue(dom.contains("data-searched=\"true\""), dom);
            List<String> shown = new ArrayList<>();
            Matcher m = HIT.matcher(dom);
            while (m.find()) {
                shown.add(m.group(1));
            }
            assertEquals(expected, shown, "hits on the page");
            assertTrue(dom.contains("model version " + fixture.version), "the page names the model version");
            assertTrue(dom.contains("label " + fixture.images.labels()[17]), "the page shows labels");

            Path shot = dir.resolve("search.png");
            chromium(dir.resolve("profile2"), "--screenshot=" + shot, "--hide-scrollbars", page + "#token=" + TOKEN);
            BufferedImage png = ImageIO.read(shot.toFile());
            assertEquals(1100, png.getWidth());
            // Grey thumbnails drawn at 84 px: many distinct grey levels, which text and borders alone do not have.
            assertTrue(
                    greyLevels(png) > 64, "thumbnails visible in the screenshot: " + greyLevels(png) + " grey levels");
            Path keep = Path.of(System.getProperty("java.io.tmpdir"), "oxbow-serve-screenshot.png");
            Files.copy(shot, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static int greyLevels(BufferedImage img) throws IOException {
        Set<Integer> levels = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (r == g && g == b) {
                    levels.add(r);
                }
            }
        }
        return levels.size();
    }
}
