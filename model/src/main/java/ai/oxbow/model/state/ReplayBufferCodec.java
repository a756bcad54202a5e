package ai.oxbow.model.state;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The versioned binary format of a replay buffer; decoding then encoding gives the same bytes.
 *
 * <pre>
 * int   magic 0x4F585242 ("OXRB")
 * int   format version (1)
 * UTF   policy, int capacity, int channels, int size
 * long  offered, admitted, evicted, rejected, draw counter
 * int   feature dimension d (0 unless minred holds images)
 * int   image count, then per image (oldest first): UTF id, long event time, int label,
 *       long admission number, int uses, channels*size*size bytes (uint8 CHW) and, if d &gt; 0,
 *       d floats (l2-normalised feature), float nearest-neighbour similarity, int its index (-1: none)
 * </pre>
 *
 * Floats are stored as their raw IEEE-754 bits. Decoding refuses a newer format and anything the
 * blob's own header contradicts; whether the buffer fits a learner is the learner's question.
 */
public final class ReplayBufferCodec {
    public static final int MAGIC = 0x4F585242;
    public static final int FORMAT_VERSION = 1;
    private static final String WHAT = "replay buffer";

    private ReplayBufferCodec() {}

    /**
     * A replay buffer as its blob holds it.
     *
     * @param featureDim d of MinRed's features (0: none)
     * @param images     oldest first
     */
    public record State(
            String policy,
            int capacity,
            int channels,
            int size,
            long offered,
            long admitted,
            long evicted,
            long rejected,
            long draws,
            int featureDim,
            List<Image> images) {
        public String shape() {
            return ReplayBufferCodec.shape(policy, capacity, channels, size);
        }
    }

    /** "policy capacity N CxS": what must match for a learner to take a buffer. */
    public static String shape(String policy, int capacity, int channels, int size) {
        return policy + " capacity " + capacity + " " + channels + "x" + size;
    }

    /**
     * One buffered image. Unless the buffer is MinRed's: feature null, similarity -infinity, neighbour -1.
     *
     * @param seq       admission number
     * @param neighbour index in the list of the nearest other image (-1: none)
     */
    public record Image(
            String id,
            long eventTime,
            int label,
            long seq,
            int uses,
            byte[] pixels,
            float[] feature,
            float neighbourSimilarity,
            int neighbour) {}

    public static byte[] encode(State s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeUTF(s.policy());
            out.writeInt(s.capacity());
            out.writeInt(s.channels());
            out.writeInt(s.size());
            for (long counter : new long[] {s.offered(), s.admitted(), s.evicted(), s.rejected(), s.draws()}) {
                out.writeLong(counter);
            }
            out.writeInt(s.featureDim());
            out.writeInt(s.images().size());
            for (Image e : s.images()) {
                out.writeUTF(e.id());
                out.writeLong(e.eventTime());
                out.writeInt(e.label());
                out.writeLong(e.seq());
                out.writeInt(e.uses());
                out.write(e.pixels());
                if (s.featureDim() > 0) {
                    for (float v : e.feature()) {
                        out.writeInt(Float.floatToRawIntBits(v));
                    }
                    out.writeInt(Float.floatToRawIntBits(e.neighbourSimilarity()));
                    out.writeInt(e.neighbour());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static State decode(byte[] blob) {
        try (BlobReader in = new BlobReader(blob, WHAT)) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new CorruptStateException(
                        "not an Oxbow replay buffer (magic " + Integer.toHexString(magic) + ")");
            }
            int version = in.readInt();
            if (version > FORMAT_VERSION) {
                throw new IllegalArgumentException("replay buffer format " + version
                        + " is newer than this Oxbow reads (" + FORMAT_VERSION + "): upgrade Oxbow to restore it");
            }
            String policy = in.readUTF();
            int capacity = in.readInt();
            int channels = in.readInt();
            int size = in.readInt();
            long offered = in.readLong();
            long admitted = in.readLong();
            long evicted = in.readLong();
            long rejected = in.readLong();
            long draws = in.readLong();
            int dim = in.count("feature dimension", Float.BYTES);
            int count = in.count("image count", 1);
            if (count > capacity || (dim > 0) != (policy.equals("minred") && count > 0)) {
                throw in.corrupt(count + " images, feature dimension " + dim);
            }
            List<Image> images = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                images.add(readImage(in, channels * size * size, dim, i, count));
            }
            in.end();
            return new State(
                    policy, capacity, channels, size, offered, admitted, evicted, rejected, draws, dim, images);
        } catch (IOException e) {
            throw new CorruptStateException("corrupt replay buffer: " + e.getMessage(), e);
        }
    }

    private static Image readImage(BlobReader in, int pixels, int dim, int index, int count) throws IOException {
        String id = in.readUTF();
        long eventTime = in.readLong();
        int label = in.readInt();
        long seq = in.readLong();
        int uses = in.readInt();
        byte[] image = in.bytes("image " + id, pixels);
        if (dim == 0) {
            return new Image(id, eventTime, label, seq, uses, image, null, Float.NEGATIVE_INFINITY, -1);
        }
        float[] feature = new float[dim];
        for (int k = 0; k < dim; k++) {
            feature[k] = Float.intBitsToFloat(in.readInt());
        }
        float similarity = Float.intBitsToFloat(in.readInt());
        int neighbour = in.readInt();
        if (neighbour < -1 || neighbour >= count || neighbour == index) {
            throw in.corrupt("image " + index + " has neighbour " + neighbour);
        }
        return new Image(id, eventTime, label, seq, uses, image, feature, similarity, neighbour);
    }
}
