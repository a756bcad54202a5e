package ai.oxbow.model.state;

/**
 * State bytes that cannot be what they claim to be: not an Oxbow state, truncated, a checksum or
 * a field that does not hold. A damaged file, not a usage error; a state of another configuration
 * or a newer format is refused with an {@link IllegalArgumentException} instead.
 */
public final class CorruptStateException extends RuntimeException {
    public CorruptStateException(String message) {
        super(message);
    }

    public CorruptStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
