package ai.oxbow.pipeline.serve;

import ai.oxbow.pipeline.job.JobConfig;

/**
 * What one `serve` takes on, so that a flood of requests is refused instead of queued without bound:
 * {@code threads} requests are answered at a time and {@code queued} more wait for a thread; past
 * that a request gets 503 ({@link RequestPool}). Uploads over {@code uploadBytes} get 413. The JDK
 * server's own limits, open connections and the seconds to receive a request or send its answer,
 * are JVM-wide: {@link #applyToJdkServer}.
 */
public record Limits(int threads, int queued, int uploadBytes, int connections, int timeoutSeconds) {
    public static final Limits DEFAULTS = new Limits(4, 64, JobConfig.Decoding.DEFAULTS.maxEncodedBytes(), 256, 30);

    public Limits {
        if (threads < 1 || queued < 0 || uploadBytes < 1 || connections < 1 || timeoutSeconds < 1) {
            throw new IllegalArgumentException("limits must be positive (queued may be 0): " + threads + ", " + queued
                    + ", " + uploadBytes + ", " + connections + ", " + timeoutSeconds);
        }
    }

    /**
     * The JDK server reads these system properties once, when the JVM's first server is created: so
     * `serve` sets them before it starts, in its own JVM. A connection past {@code connections} is
     * closed as soon as it is accepted; one whose request takes longer than {@code timeoutSeconds}
     * to arrive, or whose answer longer to send, is closed (a slow client cannot hold a thread).
     */
    void applyToJdkServer() {
        System.setProperty("jdk.httpserver.maxConnections", String.valueOf(connections));
        System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(timeoutSeconds));
        System.setProperty("sun.net.httpserver.maxRspTime", String.valueOf(timeoutSeconds));
    }
}
