package ai.oxbow.model.state;

import ai.oxbow.model.state.legacy.OlderFormats;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The versioned binary format of a published encoder version. Format 3 (2 with an optional
 * clustering head among the tensors; a format-2 reader refuses it by number rather than misread
 * it) and format 2 are a {@link StateFrame}: magic 0x4F584245 ("OXBE"), version, a fingerprint of
 * the header fields (version, method, encoder, channels, size, mean and std) and the CRC-32C of
 * the body:
 * <pre>
 * int tensor count, then per tensor: UTF name, int rank, long[rank] shape, int length, float[length]
 * </pre>
 * Format 1 ({@link OlderFormats}, read, no longer written) had no checksum: after magic and
 * version, long version, UTF method, UTF encoder, int channels, int size, float[channels] mean,
 * float[channels] std (each length-prefixed), then the same tensors.
 */
public final class EncoderCodec {
    public static final int MAGIC = 0x4F584245;
    public static final int FORMAT_VERSION = 3;
    private static final String WHAT = "encoder snapshot";

    private EncoderCodec() {}

    public static byte[] encode(Fingerprint header, List<Tensor> tensors) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(tensors.size());
            for (Tensor t : tensors) {
                out.writeUTF(t.name());
                out.writeInt(t.shape().length);
                for (long d : t.shape()) {
                    out.writeLong(d);
                }
                out.writeInt(t.data().length);
                for (float v : t.data()) {
                    out.writeFloat(v);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return StateFrame.write(MAGIC, FORMAT_VERSION, header, bytes.toByteArray());
    }

    /** A decoded snapshot: its header fields (format 1's as format 2 names them) and tensors. */
    public record Decoded(Fingerprint header, List<Tensor> tensors) {}

    /** Decodes format 3, 2 (checksum verified) or 1; every length is checked against the bytes present. */
    public static Decoded decode(byte[] bytes) {
        int format = StateFrame.version(bytes, MAGIC, FORMAT_VERSION, WHAT);
        BlobReader in;
        Fingerprint header;
        try {
            if (format == 1) {
                in = OlderFormats.body(bytes, WHAT);
                header = OlderFormats.encoderHeader(in);
            } else {
                StateFrame.Frame frame = StateFrame.read(bytes, MAGIC, FORMAT_VERSION, WHAT);
                header = frame.fingerprint();
                in = frame.body();
            }
            int count = in.count("tensor count", 2 + 4 + 4);
            List<Tensor> tensors = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.count("rank of " + name, Long.BYTES)];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                tensors.add(new Tensor(name, shape, in.floats("tensor " + name)));
            }
            in.end();
            return new Decoded(header, List.copyOf(tensors));
        } catch (IOException e) {
            throw new CorruptStateException("corrupt encoder snapshot: " + e, e);
        }
    }
}
