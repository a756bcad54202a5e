package ai.oxbow.model.state;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads a state blob held in memory and never allocates more than the blob holds: every length
 * read from it is checked against the bytes that remain, so a corrupt length field is an error
 * naming it, not a 2 GiB array.
 */
public final class BlobReader extends DataInputStream {
    private final String what;

    public BlobReader(byte[] blob, int offset, int length, String what) {
        super(new ByteArrayInputStream(blob, offset, length));
        this.what = what;
    }

    public BlobReader(byte[] blob, String what) {
        this(blob, 0, blob.length, what);
    }

    /** Bytes left (exact: the source is an array). */
    public int remaining() {
        try {
            return available();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A count of items of at least {@code minBytes} each, refused if the rest cannot hold them. */
    public int count(String field, long minBytes) throws IOException {
        int n = readInt();
        if (n < 0 || n * Math.max(1, minBytes) > remaining()) {
            throw corrupt(field + " is " + n + " but " + remaining() + " bytes remain");
        }
        return n;
    }

    public byte[] bytes(String field, int length) throws IOException {
        if (length < 0 || length > remaining()) {
            throw corrupt(field + " has " + length + " bytes but " + remaining() + " remain");
        }
        byte[] out = new byte[length];
        readFully(out);
        return out;
    }

    /** A length-prefixed byte array. */
    public byte[] bytes(String field) throws IOException {
        return bytes(field, readInt());
    }

    /** A length-prefixed float array (big-endian, as DataOutputStream writes them). */
    public float[] floats(String field) throws IOException {
        float[] out = new float[count(field, Float.BYTES)];
        for (int i = 0; i < out.length; i++) {
            out[i] = readFloat();
        }
        return out;
    }

    /** Refuses trailing bytes: a blob is read whole or not at all. */
    public void end() {
        if (remaining() > 0) {
            throw corrupt(remaining() + " trailing bytes");
        }
    }

    public CorruptStateException corrupt(String detail) {
        return new CorruptStateException("corrupt " + what + ": " + detail);
    }
}
