package ai.oxbow.pipeline.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.pipeline.Keytool;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.UsageException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `serve` fit to be exposed, with real parts: a keystore made by the JDK's keytool, HTTPS clients
 * that trust only its certificate, the token, the limits under a held request, and the serve
 * command in a JVM of its own with its secrets in files and the environment.
 */
class ServeSecurityTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "security-test-token-0123456789abcdef";
    static final String PASSWORD = "keystore-password";
    /** How long a test waits for what must happen before it fails instead of hanging (not a timing). */
    static final int GUARD_MS = 60_000;

    @TempDir
    static Path dir;

    static Path keystore;
    static Path certificate;
    static HttpClient client;
    static ServeFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        keystore = dir.resolve("server.p12");
        certificate = dir.resolve("server.pem");
        Keytool.selfSigned(keystore, "oxbow", "127.0.0.1", PASSWORD);
        Keytool.run(
                "-exportcert",
                "-rfc",
                "-alias",
                "oxbow",
                "-keystore",
                keystore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                certificate.toString());
        client = HttpClient.newBuilder()
                .sslContext(trusting(certificate))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        Files.createDirectories(dir.resolve("index"));
        Files.createDirectories(dir.resolve("models"));
        fixture = new ServeFixture(
                dir.resolve("index"),
                dir.resolve("models"),
                Tls.fromKeystore(keystore, PASSWORD.toCharArray()),
                new BearerToken(TOKEN),
                Limits.DEFAULTS);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void overHttpsTheApiAnswersOnlyWithTheToken() throws Exception {
        assertTrue(fixture.url.startsWith("https://127.0.0.1:"), fixture.url);
        HttpResponse<String> none = client.send(request("api/health", null).build(), ofString());
        assertEquals(401, none.statusCode(), none.body());
        assertEquals(
                "Bearer realm=\"oxbow\"",
                none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertTrue(none.body().contains("needs Authorization: Bearer TOKEN"), none.body());
        HttpResponse<String> wrong =
                client.send(request("api/health", TOKEN + "x").build(), ofString());
        assertEquals(401, wrong.statusCode(), wrong.body());
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").contains("error=\"invalid_token\""));
        HttpResponse<String> right = client.send(request("api/health", TOKEN).build(), ofString());
        assertEquals(200, right.statusCode(), right.body());
        assertEquals(
                ServeFixture.IMAGES,
                JSON.readTree(right.body()).get("index_documents").asInt());
        // An upload over TLS is embedded and finds its indexed copy.
        HttpResponse<String> upload = client.send(
                request("api/search?k=1", TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(fixture.png(42)))
                        .build(),
                ofString());
        assertEquals(
                "gen-42",
                JSON.readTree(upload.body()).get("hits").get(0).get("image_id").asText());
        // The page holds no data: it loads without the token, then asks for it.
        HttpResponse<String> page = client.send(request("", null).build(), ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("this server needs its token"), page.body());
        assertEquals(
                "frame-ancestors 'none'",
                page.headers().firstValue("Content-Security-Policy").orElse(""));
        // Anything else needs it, so that nothing is open by mistake.
        assertEquals(
                401, client.send(request("nothing", null).build(), ofString()).statusCode());
    }

    @Test
    void itSpeaksOnlyTlsWithTheKeystoresCertificate() {
        HttpClient defaultTrust = HttpClient.newHttpClient();
        assertThrows(
                SSLHandshakeException.class,
                () -> defaultTrust.send(request("api/health", TOKEN).build(), ofString()));
        String plain = fixture.url.replace("https://", "http://") + "api/health";
        assertThrows(
                IOException.class,
                () -> client.send(HttpRequest.newBuilder(URI.create(plain)).build(), ofString()));
    }

    @Test
    void aPemCertificateAndKeyServeAsTheKeystoreDoes() throws Exception {
        Path key = dir.resolve("server.key");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        PrivateKey privateKey = (PrivateKey) store.getKey("oxbow", PASSWORD.toCharArray());
        Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()));
        Serve pem = another(Tls.fromPem(certificate, key), null, Limits.DEFAULTS);
        try {
            HttpResponse<String> health = client.send(
                    HttpRequest.newBuilder(URI.create(pem.url() + "api/health")).build(), ofString());
            assertEquals(200, health.statusCode(), health.body());
        } finally {
            pem.stop();
        }
        // A key in another PEM form is refused at start, naming the option and the conversion.
        Path traditional = dir.resolve("server-ec.key");
        Files.writeString(traditional, pem("EC PRIVATE KEY", privateKey.getEncoded()));
        UsageException refused = assertThrows(
                UsageException.class,
                () -> prepare("--tls-cert", certificate.toString(), "--tls-key", traditional.toString()));
        assertTrue(
                refused.getMessage().startsWith("--tls-cert: ")
                        && refused.getMessage().contains("openssl pkcs8 -topk8"),
                refused.getMessage());
    }

    @Test
    void uploadsOverTheLimitGet413WithOrWithoutALength() throws Exception {
        Serve limited = another(null, null, new Limits(4, 64, 1000, 256, 30));
        try {
            byte[] png = fixture.png(7);
            assertTrue(png.length < 1000, png.length + " bytes");
            HttpResponse<String> small =
                    client.send(post(limited, HttpRequest.BodyPublishers.ofByteArray(png)), ofString());
            assertEquals(200, small.statusCode(), small.body());
            HttpResponse<String> large =
                    client.send(post(limited, HttpRequest.BodyPublishers.ofByteArray(new byte[1001])), ofString());
            assertEquals(413, large.statusCode(), large.body());
            assertTrue(large.body().contains("the limit is 1000"), large.body());
            // Chunked, without a Content-Length: refused once the limit is read past.
            HttpResponse<String> chunked = client.send(
                    post(
                            limited,
                            HttpRequest.BodyPublishers.ofInputStream(
                                    () -> new java.io.ByteArrayInputStream(new byte[5000]))),
                    ofString());
            assertEquals(413, chunked.statusCode(), chunked.body());
            assertTrue(chunked.body().contains("larger than the limit of 1000"), chunked.body());
        } finally {
            limited.stop();
        }
    }

    /**
     * One thread, one place in the queue: a request that holds the thread (its upload not yet sent)
     * and two more make one wait and one get 503 at once; the waiting one is answered after.
     */
    @Test
    void pastItsThreadsAndQueueTheServerAnswers503() throws Exception {
        Serve one = another(null, null, new Limits(1, 1, Limits.DEFAULTS.uploadBytes(), 256, 30));
        URI base = URI.create(one.url());
        byte[] png = fixture.png(5);
        try (Socket held = new Socket(base.getHost(), base.getPort())) {
            held.setSoTimeout(GUARD_MS);
            OutputStream out = held.getOutputStream();
            out.write(("POST /api/search?k=1 HTTP/1.1\r\nHost: " + base.getAuthority() + "\r\nContent-Length: "
                            + png.length + "\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(held.getInputStream(), StandardCharsets.ISO_8859_1));
            // The server sends 100 Continue from the thread that runs the request: it is held now.
            assertTrue(head(in).get(0).startsWith("HTTP/1.1 100"));
            List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
            for (String id : List.of("gen-1", "gen-2")) {
                more.add(client.sendAsync(
                        HttpRequest.newBuilder(URI.create(one.url() + "api/search?k=1&id=" + id))
                                .build(),
                        ofString()));
            }
            // Only the refused one can finish while the thread is held.
            CompletableFuture.anyOf(more.toArray(CompletableFuture[]::new)).get(GUARD_MS, TimeUnit.MILLISECONDS);
            HttpResponse<String> refused =
                    more.get(0).isDone() ? more.get(0).get() : more.get(1).get();
            CompletableFuture<HttpResponse<String>> waiting = more.get(0).isDone() ? more.get(1) : more.get(0);
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
            assertTrue(refused.body().contains("busy: 1 requests running and 1 waiting"), refused.body());
            out.write(png);
            out.flush();
            assertEquals("HTTP/1.1 200 OK", head(in).get(0));
            HttpResponse<String> served = waiting.get(GUARD_MS, TimeUnit.MILLISECONDS);
            assertEquals(200, served.statusCode(), served.body());
        } finally {
            one.stop();
        }
    }

    @Test
    void bindingBeyondLoopbackNeedsTlsAndATokenOrTheOverride() throws Exception {
        Path password = Files.writeString(dir.resolve("password"), PASSWORD + "\n");
        Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        String[] tls = {"--tls-keystore", keystore.toString(), "--tls-keystore-password-file", password.toString()};
        UsageException open = assertThrows(UsageException.class, () -> prepare("--host", "0.0.0.0"));
        for (String named :
                List.of("--tls-keystore", "--tls-cert", "--token-file", "OXBOW_SERVE_TOKEN", "--insecure-public")) {
            assertTrue(open.getMessage().contains(named), open.getMessage());
        }
        assertThrows(UsageException.class, () -> prepare(concat(tls, "--host", "0.0.0.0")));
        assertThrows(UsageException.class, () -> prepare("--host", "0.0.0.0", "--token-file", token.toString()));
        assertNotNull(prepare(concat(tls, "--host", "0.0.0.0", "--token-file", token.toString())));
        assertNotNull(prepare("--host", "0.0.0.0", "--insecure-public"));
        assertNotNull(prepare("--host", "localhost"));
        assertNotNull(prepare("--host", "::1"));
        // Secrets that do not work are refused at start, by the option that gave them.
        Path wrong = Files.writeString(dir.resolve("wrong-password"), "not-it");
        UsageException badPassword = assertThrows(
                UsageException.class,
                () -> prepare("--tls-keystore", keystore.toString(), "--tls-keystore-password-file", wrong.toString()));
        assertTrue(badPassword.getMessage().startsWith("--tls-keystore: "), badPassword.getMessage());
        Path shortToken = Files.writeString(dir.resolve("short"), "abc");
        UsageException weak = assertThrows(UsageException.class, () -> prepare("--token-file", shortToken.toString()));
        assertTrue(weak.getMessage().startsWith("--token-file: ")
                && weak.getMessage().contains("at least 16"));
        // As users meet it: exit code 2, nothing started.
        Process refused = oxbow("serve", "--index", dir.resolve("index").toString(), "--host", "0.0.0.0")
                .redirectErrorStream(true)
                .start();
        String output = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, refused.waitFor(), output);
        assertTrue(output.contains("--insecure-public"), output);
    }

    /**
     * The command itself in its own JVM (the JDK server's timeouts are JVM-wide): HTTPS with the
     * keystore's password and the token from the environment, and a client that never finishes its
     * request is cut off after --request-timeout-s.
     */
    @Test
    void theServeCommandServesHttpsAndCutsOffSlowClients() throws Exception {
        ProcessBuilder command = oxbow(
                "serve",
                "--index",
                dir.resolve("index").toString(),
                "--port",
                "0",
                "--tls-keystore",
                keystore.toString(),
                "--request-timeout-s",
                "1");
        command.environment().put(ServeCommand.TOKEN_ENV, TOKEN);
        command.environment().put(ServeCommand.KEYSTORE_PASSWORD_ENV, PASSWORD);
        Path log = dir.resolve("serve.log");
        Process serve = command.redirectError(log.toFile()).start();
        try {
            String line = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertNotNull(line, () -> "serve printed nothing: " + read(log));
            JsonNode started = JSON.readTree(line);
            assertTrue(started.get("tls").asBoolean() && started.get("token").asBoolean(), line);
            URI url = URI.create(started.get("url").asText());
            assertEquals("https", url.getScheme());
            HttpRequest.Builder health = HttpRequest.newBuilder(url.resolve("api/health"));
            assertEquals(401, client.send(health.build(), ofString()).statusCode());
            HttpResponse<String> ok = client.send(
                    health.header("Authorization", "Bearer " + TOKEN).build(), ofString());
            assertEquals(200, ok.statusCode(), ok.body());
            try (SSLSocket slow =
                    (SSLSocket) trusting(certificate).getSocketFactory().createSocket(url.getHost(), url.getPort())) {
                slow.setSoTimeout(GUARD_MS);
                slow.startHandshake();
                slow.getOutputStream()
                        .write(("GET /api/health HTTP/1.1\r\nHost: " + url.getAuthority() + "\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                slow.getOutputStream().flush();
                assertEquals(-1, readOrClosed(slow.getInputStream()), "the server answered a request never finished");
            }
        } finally {
            serve.destroy();
            serve.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** The next byte, or -1 once the server has closed the connection (with or without TLS's close_notify). */
    private static int readOrClosed(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection is still open after 60 s", e);
        } catch (IOException closed) {
            return -1;
        }
    }

    private static Command.Run prepare(String... argv) throws Exception {
        Command serve = new Command("serve", "", ServeCommand.OPTIONS, ServeCommand.GROUPS, ServeCommand::prepare);
        return serve.prepare(serve.parse(
                concat(new String[] {"--index", dir.resolve("index").toString()}, argv), 0));
    }

    private static String[] concat(String[] first, String... more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static Serve another(SSLContext tls, BearerToken token, Limits limits) throws IOException {
        Serve serve = new Serve(
                new SearchService(dir.resolve("index"), dir.resolve("models")),
                new Serve.Config("127.0.0.1", 0, tls, token, limits));
        serve.start();
        return serve;
    }

    private static HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fixture.url + path));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    private static HttpRequest post(Serve serve, HttpRequest.BodyPublisher body) {
        return HttpRequest.newBuilder(URI.create(serve.url() + "api/search?k=1"))
                .POST(body)
                .build();
    }

    private static HttpResponse.BodyHandler<String> ofString() {
        return HttpResponse.BodyHandlers.ofString();
    }

    /** The status line and headers of the next response. */
    private static List<String> head(BufferedReader in) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            lines.add(line);
        }
        return lines;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** A TLS context that trusts this certificate and nothing else. */
    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trust.setCertificateEntry(
                    "server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trusted.getTrustManagers(), null);
        return tls;
    }

    /** Oxbow's main in a JVM of its own, as users run it. */
    private static ProcessBuilder oxbow(String... argv) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "ai.oxbow.pipeline.cli.Oxbow"));
        command.addAll(List.of(argv));
        return new ProcessBuilder(command);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
