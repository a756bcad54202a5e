package ai.oxbow.pipeline.serve;

import ai.oxbow.model.util.KeyValues;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.index.VectorSearch;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import javax.net.ssl.SSLContext;

/**
 * Search as a service ({@link ServeCommand}): a JSON API and, at {@code /}, a page to pick or upload
 * an image and see its neighbours as thumbnails (stored with the index documents, see
 * {@code --thumbnail-size}). It reads the index's newest commit at every request, so it can run
 * beside the job that writes the index. Every bad request gets a 4xx with {@code {"error": ...}};
 * nothing a client sends stops it. It is the JDK's server, over TLS when {@link Config#tls} is set,
 * the API behind {@link Config#token} when set, within {@link Limits}.
 */
public final class Serve {
    private static final long DRAIN_BYTES = 256L << 20;
    private static final int BACKLOG = 64;
    private final SearchService service;
    private final Config config;
    private final HttpServer server;
    private final RequestPool pool;

    /**
     * @param tls   HTTPS with this context; null for plain HTTP
     * @param token what every request but the page's must carry; null for none (the page is public:
     *              it holds no data, and asks for the token when the API wants one)
     */
    public record Config(String host, int port, SSLContext tls, BearerToken token, Limits limits) {}

    /** Requests that name what is not there or are malformed, with the status they get. */
    private static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    public Serve(SearchService service, Config config) throws IOException {
        this.service = service;
        this.config = config;
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (config.tls() != null) {
            HttpsServer https = HttpsServer.create(address, BACKLOG);
            https.setHttpsConfigurator(new HttpsConfigurator(config.tls()));
            server = https;
        } else {
            server = HttpServer.create(address, BACKLOG);
        }
        pool = new RequestPool(config.limits());
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
    }

    /** With the host as given (a wildcard stays 0.0.0.0, a name stays the name its certificate has). */
    public String url() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return (config.tls() != null ? "https://" : "http://") + host + ":"
                + server.getAddress().getPort() + "/";
    }

    public void stop() {
        server.stop(0);
        pool.shutdownNow();
        try {
            service.close();
        } catch (IOException e) {
            // Closing a reader at shutdown: nothing left to do with the error.
        }
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            try {
                admit(x);
                route(x);
            } catch (HttpError e) {
                error(x, e.status, e.getMessage());
            } catch (SearchService.NotFound e) {
                error(x, 404, e.getMessage());
            } catch (SearchService.NotAnImage e) {
                error(x, 415, e.getMessage());
            } catch (IllegalArgumentException e) {
                error(x, 400, e.getMessage());
            } catch (IOException | RuntimeException e) {
                error(x, 500, e.toString());
            }
        }
    }

    /** The page: public, as it holds no data (anything else needs the token, so nothing is open by mistake). */
    private static boolean isPage(String path) {
        return path.equals("/") || path.equals("/index.html");
    }

    /** Refuses, before anything of it is read, a request past the limits or without the API's token. */
    private void admit(HttpExchange x) {
        if (pool.refusing()) {
            x.getResponseHeaders().set("Retry-After", "1");
            x.getResponseHeaders().set("Connection", "close");
            Limits l = config.limits();
            throw new HttpError(503, "busy: " + l.threads() + " requests running and " + l.queued() + " waiting");
        }
        String authorization = x.getRequestHeaders().getFirst("Authorization");
        if (config.token() != null
                && !isPage(x.getRequestURI().getPath())
                && !config.token().allows(authorization)) {
            // RFC 6750: a wrong token is "invalid_token"; a missing one gets the bare challenge.
            x.getResponseHeaders()
                    .set(
                            "WWW-Authenticate",
                            "Bearer realm=\"oxbow\"" + (authorization == null ? "" : ", error=\"invalid_token\""));
            throw new HttpError(
                    401,
                    authorization == null
                            ? "this API needs Authorization: Bearer TOKEN"
                            : "the token is not this server's");
        }
    }

    private void route(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        String method = x.getRequestMethod();
        Map<String, String> q = query(x.getRequestURI().getRawQuery());
        switch (path) {
            case "/", "/index.html" -> {
                only(method, "GET");
                send(x, 200, "text/html; charset=utf-8", page());
            }
            case "/api/health" -> {
                only(method, "GET");
                sendJson(x, health());
            }
            case "/api/versions" -> {
                only(method, "GET");
                sendJson(x, versions());
            }
            case "/api/images" -> {
                only(method, "GET");
                sendJson(x, service.sample(version(q), intParam(q, "limit", 24, 1, 1000)));
            }
            case "/api/thumbnail" -> {
                only(method, "GET");
                String id = required(q, "id");
                Long v = version(q);
                if (v == null) {
                    throw new IllegalArgumentException("version is required");
                }
                byte[] png = service.thumbnail(id, v)
                        .orElseThrow(() -> new SearchService.NotFound(
                                "no thumbnail of image '" + id + "' under model version " + v));
                // private: the answer to an authorized request is for that client, not for shared caches.
                x.getResponseHeaders().set("Cache-Control", "private, max-age=3600");
                send(x, 200, "image/png", png);
            }
            case "/api/search" -> {
                int k = intParam(q, "k", 10, 1, SearchService.MAX_K);
                Long v = version(q);
                if (method.equals("GET")) {
                    String id = required(q, "id");
                    sendJson(x, answer(id, k, service.byId(id, k, v)));
                } else if (method.equals("POST")) {
                    byte[] image = body(x);
                    sendJson(x, answer(null, k, service.byImage(image, "upload", k, v)));
                } else {
                    throw new HttpError(405, "use GET /api/search?id=ID or POST /api/search with an image");
                }
            }
            default -> throw new HttpError(404, "no such resource " + path);
        }
    }

    private Map<String, Object> health() throws IOException {
        SortedMap<Long, Long> versions = service.versions();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "ok");
        out.put(
                "index_documents",
                versions.values().stream().mapToLong(Long::longValue).sum());
        out.put("model_versions", versions.size());
        out.put("newest_version", versions.isEmpty() ? -1L : versions.lastKey());
        out.put("committed_checkpoint", service.committedCheckpoint());
        out.put("registry_versions", service.registeredVersions().size());
        return out;
    }

    private Map<String, Object> versions() throws IOException {
        List<Long> registered = service.registeredVersions();
        List<Object> list = new ArrayList<>();
        service.versions().forEach((v, n) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("model_version", v);
            e.put("documents", n);
            e.put("in_registry", registered.contains(v));
            list.add(e);
        });
        return Map.of("versions", list);
    }

    private static Map<String, Object> answer(String id, int k, SearchService.Result r) {
        List<Object> hits = new ArrayList<>();
        for (int i = 0; i < r.hits().size(); i++) {
            VectorSearch.Hit h = r.hits().get(i);
            Map<String, Object> hit = new LinkedHashMap<>();
            hit.put("rank", i + 1);
            hit.put("image_id", h.imageId());
            hit.put("score", h.score());
            hit.put("model_version", h.modelVersion());
            hit.put("label", h.label());
            hits.add(hit);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("query", id);
        out.put("model_version", r.modelVersion());
        out.put("k", k);
        out.put("hits", hits);
        out.put("latency_ms", r.latencyMs());
        return out;
    }

    /** The upload, refused with 413 past the limit before more than that is read. */
    private byte[] body(HttpExchange x) throws IOException {
        int max = config.limits().uploadBytes();
        String length = x.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "bad Content-Length '" + length + "'");
            }
            if (n > max) {
                drain(x);
                throw new HttpError(413, "image of " + n + " bytes; the limit is " + max);
            }
        }
        try (InputStream in = x.getRequestBody()) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                drain(x);
                throw new HttpError(413, "image larger than the limit of " + max + " bytes");
            }
            if (bytes.length == 0) {
                throw new HttpError(400, "POST /api/search needs an image file as the request body");
            }
            return bytes;
        }
    }

    /**
     * Reads and drops what is left of a refused upload, up to {@link #DRAIN_BYTES}: most clients
     * read no answer while they are still sending, so an early reply would reach them as a reset.
     * Past that the connection is closed.
     */
    private static void drain(HttpExchange x) throws IOException {
        x.getResponseHeaders().set("Connection", "close");
        byte[] buffer = new byte[64 * 1024];
        InputStream in = x.getRequestBody();
        long left = DRAIN_BYTES;
        int n;
        while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
            left -= n;
        }
    }

    private static void only(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new HttpError(405, "method " + method + " not allowed; use " + allowed);
        }
    }

    private static String required(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return v;
    }

    private static Long version(Map<String, String> q) {
        String v = q.getOrDefault("version", "");
        return v.isEmpty() ? null : KeyValues.toLong(parameter("version"), v);
    }

    /** How a message names a query parameter, in the command line's wording. */
    private static String parameter(String name) {
        return "parameter '" + name + "'";
    }

    private static int intParam(Map<String, String> q, String name, int fallback, int min, int max) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        int n = KeyValues.toInt(parameter(name), v);
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + n);
        }
        return n;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.put(
                        URLDecoder.decode(key, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("malformed query string: " + e.getMessage());
            }
        }
        return out;
    }

    private static byte[] page() throws IOException {
        try (InputStream in = Serve.class.getResourceAsStream("/serve/index.html")) {
            return in.readAllBytes();
        }
    }

    private static void error(HttpExchange x, int status, String message) throws IOException {
        send(
                x,
                status,
                "application/json",
                Json.line(Map.of("error", message == null ? "" : message)).getBytes(StandardCharsets.UTF_8));
    }

    private static void sendJson(HttpExchange x, Map<String, ?> body) throws IOException {
        send(x, 200, "application/json", Json.line(body).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
        // A request body left unread (a refused upload) is drained by the server when it closes the exchange.
        x.getResponseHeaders().set("Content-Type", type);
        // No type sniffing of uploads' echoes, and no framing of the page by another site.
        x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        x.getResponseHeaders().set("Content-Security-Policy", "frame-ancestors 'none'");
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }
}
