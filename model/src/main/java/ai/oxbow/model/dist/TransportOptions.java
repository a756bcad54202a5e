package ai.oxbow.model.dist;

import java.time.Duration;

/**
 * {@code timeout} bounds how long a rank waits for the group to form and, in a collective, for any one peer's
 * message (which includes the time the peer takes to reach the collective). {@code socketBufferBytes} sizes the TCP
 * send and receive buffers: large ones keep a fast link busy.
 */
public record TransportOptions(Duration timeout, int socketBufferBytes) {
    public static final TransportOptions DEFAULTS = new TransportOptions(Duration.ofSeconds(60), 4 << 20);

    public TransportOptions {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        if (socketBufferBytes <= 0) {
            throw new IllegalArgumentException("socketBufferBytes must be positive: " + socketBufferBytes);
        }
    }

    public TransportOptions withTimeout(Duration newTimeout) {
        return new TransportOptions(newTimeout, socketBufferBytes);
    }
}
