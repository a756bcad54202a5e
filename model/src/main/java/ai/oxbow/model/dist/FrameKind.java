package ai.oxbow.model.dist;

/** What a frame carries: each collective's phases have their own kind, so ranks out of step are told apart. */
enum FrameKind {
    REDUCE_SCATTER(1, "allReduceSum (reduce-scatter)"),
    REDUCED_CHUNK(2, "allReduceSum (all-gather)"),
    GATHER_FLOATS(3, "allGather"),
    GATHER_BYTES(4, "allGatherBytes"),
    /** The sender's group failed; the payload says why, in UTF-8. Last frame on the connection. */
    ABORT(5, "abort");

    final int code;
    final String label;

    FrameKind(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The kind of {@code code}, or null for a code no version of this protocol sends. */
    static FrameKind of(int code) {
        for (FrameKind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        return null;
    }
}
