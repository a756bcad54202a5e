package ai.oxbow.pipeline.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API of `serve` over a real index, registry and encoder, through a real HTTP client. */
class ServeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path index;

    @TempDir
    static Path models;

    static ServeFixture fixture;

    @BeforeAll
    static void start() throws IOException {
        fixture = new ServeFixture(index, models);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static HttpResponse<byte[]> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(fixture.url + path)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(fixture.url + path))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(new String(r.body(), StandardCharsets.UTF_8));
    }

    static JsonNode ok(HttpResponse<byte[]> r) throws IOException {
        assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        return json(r);
    }

    static void refused(int status, HttpResponse<byte[]> r, String inMessage) throws IOException {
        assertEquals(status, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        String error = json(r).get("error").asText();
        assertTrue(error.contains(inMessage), error);
    }

    @Test
    void healthAndVersionsDescribeTheIndex() throws Exception {
        JsonNode health = ok(get("api/health"));
        assertEquals("ok", health.get("status").asText());
        assertEquals(ServeFixture.IMAGES, health.get("index_documents").asLong());
        assertEquals(7, health.get("committed_checkpoint").asLong());
        JsonNode versions = ok(get("api/versions")).get("versions");
        assertEquals(1, versions.size());
        assertEquals(fixture.version, versions.get(0).get("model_version").asLong());
        assertTrue(versions.get(0).get("in_registry").asBoolean());
    }

    @Test
    void searchByIdFindsTheImageItselfFirst() throws Exception {
        JsonNode answer = ok(get("api/search?id=gen-3&k=5"));
        assertEquals(fixture.version, answer.get("model_version").asLong());
        JsonNode hits = answer.get("hits");
        assertEquals(5, hits.size());
        assertEquals("gen-3", hits.get(0).get("image_id").asText());
        assertEquals(1.0, hits.get(0).get("score").asDouble(), 1e-4);
        assertEquals(fixture.images.labels()[3], hits.get(0).get("label").asInt());
        for (int i = 1; i < hits.size(); i++) {
            assertTrue(hits.get(i).get("score").asDouble()
                    <= hits.get(i - 1).get("score").asDouble());
            assertEquals(fixture.version, hits.get(i).get("model_version").asLong());
        }
    }

    @Test
    void anUploadedImageIsEmbeddedAndFindsItsIndexedCopy() throws Exception {
        JsonNode answer = ok(post("api/search?k=3&version=" + fixture.version, fixture.png(42)));
        JsonNode top = answer.get("hits").get(0);
        assertEquals("gen-42", top.get("image_id").asText());
        assertEquals(1.0, top.get("score").asDouble(), 1e-4);
    }

    @Test
    void thumbnailsAreTheImagesAtTheModelsInputShape() throws Exception {
        HttpResponse<byte[]> r = get("api/thumbnail?id=gen-9&version=" + fixture.version);
        assertEquals(200, r.statusCode());
        assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""));
        var img = ImageIO.read(new ByteArrayInputStream(r.body()));
        assertEquals(ServeFixture.SIZE, img.getWidth());
        byte[] pixels = new byte[ServeFixture.SIZE * ServeFixture.SIZE];
        for (int p = 0; p < pixels.length; p++) {
            pixels[p] = (byte) img.getRaster().getSample(p % ServeFixture.SIZE, p / ServeFixture.SIZE, 0);
        }
        assertArrayEquals(fixture.images.image(9), pixels);
        JsonNode sample = ok(get("api/images?limit=5"));
        assertEquals(5, sample.get("image_ids").size());
    }

    @Test
    void badRequestsGetAClearClientErrorAndTheServiceGoesOn() throws Exception {
        refused(400, get("api/search?id=gen-1&k=0"), "k must be between 1 and 1000");
        refused(400, get("api/search?id=gen-1&k=ten"), "Invalid value for parameter 'k': 'ten' is not an int");
        refused(400, get("api/search?id=gen-1&version=x"), "Invalid value for parameter 'version': 'x' is not a long");
        refused(400, get("api/search"), "id is required");
        refused(404, get("api/search?id=nobody"), "image 'nobody' is not in the index");
        refused(404, get("api/search?id=gen-1&version=99"), "has no vector of model version 99");
        refused(404, post("api/search?version=99", fixture.png(1)), "model version 99 is not in the index");
        refused(404, get("api/thumbnail?id=nobody&version=" + fixture.version), "no thumbnail");
        refused(404, get("api/nothing"), "no such resource");
        refused(
                405,
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(fixture.url + "api/health"))
                                .DELETE()
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray()),
                "not allowed");
        refused(
                415,
                post("api/search", "hello, not an image".getBytes(StandardCharsets.UTF_8)),
                "is not a PNG or JPEG image");
        byte[] truncated = fixture.png(1);
        refused(415, post("api/search", java.util.Arrays.copyOf(truncated, truncated.length / 2)), "upload");
        refused(400, post("api/search", new byte[0]), "needs an image file");
        int tooLarge = ai.oxbow.pipeline.job.JobConfig.Decoding.DEFAULTS.maxEncodedBytes() + 1;
        refused(413, post("api/search", new byte[tooLarge]), "the limit is");
        // Still answering, with the same results.
        assertEquals(
                "gen-3",
                ok(get("api/search?id=gen-3&k=1"))
                        .get("hits")
                        .get(0)
                        .get("image_id")
                        .asText());
    }

    @Test
    void concurrentQueriesAllGetTheirAnswers() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i % ServeFixture.IMAGES;
                boolean byId = i % 2 == 0;
                answers.add(clients.submit(() -> byId
                        ? ok(get("api/search?k=1&id=" + ServeFixture.id(n)))
                                .get("hits")
                                .get(0)
                                .get("image_id")
                                .asText()
                        : ok(post("api/search?k=1", fixture.png(n)))
                                .get("hits")
                                .get(0)
                                .get("image_id")
                                .asText()));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(
                        ServeFixture.id(i % ServeFixture.IMAGES), answers.get(i).get());
            }
        } finally {
            clients.shutdownNow();
        }
    }
}
