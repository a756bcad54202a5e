package ai.oxbow.model.dist;

/** A group that could not form, or a collective that failed; the message names the peer's rank and address. */
public final class CollectiveException extends RuntimeException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
