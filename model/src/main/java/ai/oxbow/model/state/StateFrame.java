package ai.oxbow.model.state;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The frame every Oxbow state blob has had since its framed format version (trainer 2, learner 3,
 * encoder snapshot 2):
 * <pre>
 * int magic, int format version
 * int field count, then per field: UTF key, UTF value   ({@link Fingerprint}, sorted by key)
 * int body length, int CRC-32C of the body
 * body
 * </pre>
 * {@link #read} checks magic, version, lengths and the checksum before anyone parses the body.
 */
public final class StateFrame {
    private StateFrame() {}

    /** A read frame: its format version, fingerprint and a bounded reader over the verified body. */
    public record Frame(int version, Fingerprint fingerprint, BlobReader body) {}

    public static byte[] write(int magic, int version, Fingerprint fingerprint, byte[] body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            out.writeInt(version);
            fingerprint.write(out);
            out.writeInt(body.length);
            out.writeInt((int) Crc32c.of(body));
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The magic of a blob (0 when shorter than 4 bytes). */
    public static int magic(byte[] blob) {
        return blob.length < 4
                ? 0
                : (blob[0] & 0xFF) << 24 | (blob[1] & 0xFF) << 16 | (blob[2] & 0xFF) << 8 | (blob[3] & 0xFF);
    }

    /** The format version of a blob with this magic, refusing another magic or a newer version. */
    public static int version(byte[] blob, int magic, int newest, String what) {
        if (magic(blob) != magic) {
            throw new CorruptStateException(
                    "not an Oxbow " + what + " (magic " + Integer.toHexString(magic(blob)) + ")");
        }
        if (blob.length < 8) {
            throw new CorruptStateException("corrupt " + what + ": " + blob.length + " bytes");
        }
        int version = (blob[4] & 0xFF) << 24 | (blob[5] & 0xFF) << 16 | (blob[6] & 0xFF) << 8 | (blob[7] & 0xFF);
        if (version < 1) {
            throw new CorruptStateException(what + " format " + version + " is invalid");
        }
        if (version > newest) {
            throw new IllegalArgumentException(what + " format " + version + " is newer than this Oxbow reads ("
                    + newest + "): upgrade Oxbow to restore it");
        }
        return version;
    }

    /** Reads a framed blob, its checksum verified (the caller reads unframed older versions itself). */
    public static Frame read(byte[] blob, int magic, int newest, String what) {
        int version = version(blob, magic, newest, what);
        BlobReader in = new BlobReader(blob, 8, blob.length - 8, what);
        try {
            Fingerprint fingerprint = Fingerprint.read(in);
            int length = in.readInt();
            int recorded = in.readInt();
            if (length != in.remaining()) {
                throw in.corrupt("the body should be " + length + " bytes, " + in.remaining() + " follow");
            }
            int offset = blob.length - length;
            int actual = (int) Crc32c.of(blob, offset, length);
            if (actual != recorded) {
                throw new CorruptStateException(
                        String.format("corrupt %s: body CRC-32C %08x, recorded %08x", what, actual, recorded));
            }
            return new Frame(version, fingerprint, new BlobReader(blob, offset, length, what));
        } catch (IOException e) {
            throw in.corrupt(e.toString());
        }
    }
}
