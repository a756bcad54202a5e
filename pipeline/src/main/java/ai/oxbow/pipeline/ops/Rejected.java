package ai.oxbow.pipeline.ops;

/** Why an input cannot be used: a stable reason code for dashboards and a message for people. */
public final class Rejected extends Exception {
    public enum Reason {
        NOT_AVRO,
        MISSING_ID,
        ID_TOO_LONG,
        BAD_DIMENSIONS,
        TOO_LARGE,
        BAD_CHANNELS,
        SIZE_MISMATCH,
        DECODE_FAILED,
        DIMENSION_MISMATCH
    }

    private final Reason reason;

    public Rejected(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
