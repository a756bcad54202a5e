package ai.oxbow.pipeline.cli;

/**
 * The command line is wrong (an unknown option, a bad value, a missing requirement): nothing was
 * started, and {@code oxbow} exits 2. Anything else thrown is a failure (exit 1).
 */
public final class UsageException extends IllegalArgumentException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
