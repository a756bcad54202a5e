package ai.oxbow.pipeline.serve;

import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.Exclusive;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.Option;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * `serve --index DIR [--models DIR] [--host 127.0.0.1] [--port 8080]`, with TLS, a token and limits
 * for serving beyond this machine: its options, checked before anything starts, and the process
 * that runs {@link Serve} until it is stopped. Secrets come from files or the environment, never the
 * command line, which other users of the machine can read.
 */
public final class ServeCommand {
    static final String TOKEN_ENV = "OXBOW_SERVE_TOKEN";
    static final String KEYSTORE_PASSWORD_ENV = "OXBOW_TLS_KEYSTORE_PASSWORD";

    private ServeCommand() {}

    static final Option<String> INDEX =
            Option.string("index", "index directory").required();
    static final Option<String> MODELS =
            Option.string("models", "model registry directory (uploads are embedded with it)");
    static final Option<String> HOST = Option.string(
            "host",
            "127.0.0.1",
            "address to listen on; beyond loopback only with TLS and a token, or --insecure-public");
    static final Option<Integer> PORT = Option.integer("port", 8080, "port to listen on (0: any free one)")
            .checked(p -> p >= 0 && p <= 65535 ? null : "must be 0..65535");
    static final Option<String> TLS_KEYSTORE =
            Option.string("tls-keystore", "serve HTTPS with the key and certificate chain in this PKCS12 keystore");
    static final Option<String> TLS_KEYSTORE_PASSWORD_FILE = Option.string(
                    "tls-keystore-password-file", "file whose first line is the keystore's password")
            .computed("$" + KEYSTORE_PASSWORD_ENV);
    static final Option<String> TLS_CERT = Option.string(
            "tls-cert", "serve HTTPS with this PEM certificate chain (the server's first), with --tls-key");
    static final Option<String> TLS_KEY =
            Option.string("tls-key", "the PEM private key of --tls-cert (unencrypted PKCS#8, BEGIN PRIVATE KEY)");
    static final Option<String> TOKEN_FILE = Option.string(
                    "token-file",
                    "the API answers only requests with Authorization: Bearer TOKEN, TOKEN this file's first line")
            .computed("$" + TOKEN_ENV + ", else no token");
    static final Option<Boolean> INSECURE_PUBLIC = Option.flag(
            "insecure-public",
            false,
            "serve beyond loopback without TLS or without a token: anyone reaching it may use it");
    static final Option<Integer> THREADS_HTTP = Option.integer(
                    "threads-http", Limits.DEFAULTS.threads(), "requests answered at once")
            .atLeast(1);
    static final Option<Integer> MAX_QUEUED = Option.integer(
                    "max-queued", Limits.DEFAULTS.queued(), "requests waiting for a thread; more get 503")
            .atLeast(0);
    static final Option<Integer> MAX_UPLOAD_BYTES = Option.integer(
                    "max-upload-bytes",
                    Limits.DEFAULTS.uploadBytes(),
                    "largest image upload; larger ones get 413 (at most the job's decoding limit)")
            .checked(n -> n >= 1 && n <= Limits.DEFAULTS.uploadBytes()
                    ? null
                    : "must be 1.." + Limits.DEFAULTS.uploadBytes());
    static final Option<Integer> MAX_CONNECTIONS = Option.integer(
                    "max-connections", Limits.DEFAULTS.connections(), "open connections; more are closed at once")
            .atLeast(1);
    static final Option<Integer> REQUEST_TIMEOUT_S = Option.integer(
                    "request-timeout-s",
                    Limits.DEFAULTS.timeoutSeconds(),
                    "seconds to receive a request, and to send its answer, before the connection is closed")
            .atLeast(1);

    public static final List<Option<?>> OPTIONS = List.of(
            INDEX,
            MODELS,
            HOST,
            PORT,
            TLS_KEYSTORE,
            TLS_KEYSTORE_PASSWORD_FILE,
            TLS_CERT,
            TLS_KEY,
            TOKEN_FILE,
            INSECURE_PUBLIC,
            THREADS_HTTP,
            MAX_QUEUED,
            MAX_UPLOAD_BYTES,
            MAX_CONNECTIONS,
            REQUEST_TIMEOUT_S,
            JobOptions.THREADS);
    public static final List<Exclusive> GROUPS = List.of(Exclusive.atMostOne(TLS_KEYSTORE, TLS_CERT));

    public static Command.Run prepare(Args a) {
        Path index = Path.of(a.get(INDEX));
        Path models = a.has(MODELS) ? Path.of(a.get(MODELS)) : null;
        String host = a.get(HOST);
        Serve.Config config = new Serve.Config(
                host,
                a.get(PORT),
                tls(a),
                token(a),
                new Limits(
                        a.get(THREADS_HTTP),
                        a.get(MAX_QUEUED),
                        a.get(MAX_UPLOAD_BYTES),
                        a.get(MAX_CONNECTIONS),
                        a.get(REQUEST_TIMEOUT_S)));
        boolean open = !loopback(host) && (config.tls() == null || config.token() == null);
        if (open && !a.get(INSECURE_PUBLIC)) {
            throw new IllegalArgumentException(HOST.flagName() + " " + host
                    + " serves search and uploads beyond this machine, which needs TLS (" + TLS_KEYSTORE.flagName()
                    + ", or " + TLS_CERT.flagName() + " and " + TLS_KEY.flagName() + ") and a token ("
                    + TOKEN_FILE.flagName() + " or $" + TOKEN_ENV + "); " + INSECURE_PUBLIC.flagName()
                    + " serves it without them");
        }
        return () -> serve(index, models, config, open);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(HOST.flagName() + " " + host + ": no such address");
        }
    }

    /** The keystore, else the PEM files; null for plain HTTP. */
    private static SSLContext tls(Args a) {
        if (a.has(TLS_CERT) != a.has(TLS_KEY)) {
            throw new IllegalArgumentException(TLS_CERT.flagName() + " and " + TLS_KEY.flagName() + " go together");
        }
        if (a.has(TLS_KEYSTORE_PASSWORD_FILE) && !a.has(TLS_KEYSTORE)) {
            throw new IllegalArgumentException(
                    TLS_KEYSTORE_PASSWORD_FILE.flagName() + " is the password of " + TLS_KEYSTORE.flagName());
        }
        String password = secret(a, TLS_KEYSTORE_PASSWORD_FILE, KEYSTORE_PASSWORD_ENV);
        if (a.has(TLS_KEYSTORE) && password == null) {
            throw new IllegalArgumentException(TLS_KEYSTORE.flagName() + " needs its password: "
                    + TLS_KEYSTORE_PASSWORD_FILE.flagName() + " FILE or $" + KEYSTORE_PASSWORD_ENV);
        }
        Option<String> named = a.has(TLS_KEYSTORE) ? TLS_KEYSTORE : TLS_CERT;
        try {
            if (a.has(TLS_KEYSTORE)) {
                return Tls.fromKeystore(Path.of(a.get(TLS_KEYSTORE)), password.toCharArray());
            }
            return a.has(TLS_CERT) ? Tls.fromPem(Path.of(a.get(TLS_CERT)), Path.of(a.get(TLS_KEY))) : null;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException(named.flagName() + ": cannot serve TLS with it: " + e.getMessage(), e);
        }
    }

    private static BearerToken token(Args a) {
        String token = secret(a, TOKEN_FILE, TOKEN_ENV);
        try {
            return token == null ? null : new BearerToken(token);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    (a.has(TOKEN_FILE) ? TOKEN_FILE.flagName() : "$" + TOKEN_ENV) + ": " + e.getMessage());
        }
    }

    /** The first line of the file the option names, else the environment variable; null when neither is set. */
    private static String secret(Args a, Option<String> file, String variable) {
        if (!a.has(file)) {
            String value = System.getenv(variable);
            return value == null || value.isBlank() ? null : value.strip();
        }
        Path path = Path.of(a.get(file));
        try {
            String first =
                    Files.readAllLines(path).stream().findFirst().orElse("").strip();
            if (first.isEmpty()) {
                throw new IllegalArgumentException(file.flagName() + " " + path + " is empty");
            }
            return first;
        } catch (IOException e) {
            throw new IllegalArgumentException(file.flagName() + " " + path + ": cannot read it (" + e + ")");
        }
    }

    private static void serve(Path index, Path models, Serve.Config config, boolean open) throws Exception {
        config.limits().applyToJdkServer();
        Serve serve = new Serve(new SearchService(index, models), config);
        serve.start();
        Map<String, Object> started = new LinkedHashMap<>();
        started.put("url", serve.url());
        started.put("index", index.toString());
        started.put("models", models == null ? null : models.toString());
        started.put("tls", config.tls() != null);
        started.put("token", config.token() != null);
        System.out.println(Json.line(started));
        if (open) {
            System.err.println("oxbow serve: " + INSECURE_PUBLIC.flagName() + ": " + serve.url()
                    + " is open beyond this machine without TLS or without a token");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            serve.stop();
            stopped.countDown();
        }));
        stopped.await();
    }
}
