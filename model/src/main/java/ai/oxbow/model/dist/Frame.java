package ai.oxbow.model.dist;

import java.nio.ByteBuffer;

/** A frame received from a peer: its payload (little-endian) lends a buffer of the peer's link until released. */
record Frame(FrameKind kind, long seq, ByteBuffer payload, PeerLink from) {
    /** Queued behind whatever arrived when the group fails, to wake the caller waiting on that link. */
    static final Frame POISON = new Frame(null, -1, null, null);

    void release() {
        from.recycle(payload);
    }
}
