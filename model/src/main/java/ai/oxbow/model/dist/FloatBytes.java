package ai.oxbow.model.dist;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Floats as little-endian bytes, the wire format: checks and views that copy nothing. */
final class FloatBytes {
    private FloatBytes() {}

    /** Throws unless {@code data} holds whole little-endian floats that may be overwritten. */
    static void requireWritableFloats(ByteBuffer data) {
        if (data.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("the buffer must be LITTLE_ENDIAN, the wire order, not " + data.order());
        }
        if (data.isReadOnly()) {
            throw new IllegalArgumentException("the buffer is read-only: the sum is written into it");
        }
        if (data.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException(
                    "the buffer holds " + data.remaining() + " bytes, not a whole number of floats");
        }
    }

    /** Floats {@code [from, from + count)} of {@code data}'s remaining ones, as a little-endian view. */
    static ByteBuffer slice(ByteBuffer data, int from, int count) {
        return data.slice(data.position() + from * Float.BYTES, count * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@code reuse} if it can hold {@code bytes}, else a new direct buffer; cleared, limited to {@code bytes}. */
    static ByteBuffer reserve(ByteBuffer reuse, int bytes) {
        ByteBuffer buffer = reuse != null && reuse.capacity() >= bytes
                ? reuse
                : ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.clear().limit(bytes);
        return buffer;
    }

    /** {@code local} as little-endian bytes in {@code reuse} (or a larger direct buffer), ready to send. */
    static ByteBuffer encode(float[] local, ByteBuffer reuse) {
        ByteBuffer buffer = reserve(reuse, Math.multiplyExact(local.length, Float.BYTES));
        buffer.asFloatBuffer().put(local);
        return buffer;
    }
}
