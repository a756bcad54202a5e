package ai.oxbow.model.replay;

import ai.oxbow.model.state.BlobReader;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The versioned binary format of a {@link ReplayBuffer}; decoding then encoding gives the same
 * bytes, and the decoded buffer continues exactly as the encoded one would have.
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
 * Floats are stored as their raw IEEE-754 bits. Decoding refuses a newer format or a buffer of
 * another policy, capacity or input shape, with a message that says which.
 */
final class ReplayCodec {
    static final int MAGIC = 0x4F585242;
    static final int FORMAT_VERSION = 1;

    private ReplayCodec() {}

    static byte[] encode(ReplayBuffer buffer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeUTF(buffer.config.policy());
            out.writeInt(buffer.config.capacity());
            out.writeInt(buffer.channels);
            out.writeInt(buffer.size);
            for (long counter : new long[] {buffer.offered, buffer.admitted, buffer.evicted, buffer.rejected,
                    buffer.draws}) {
                out.writeLong(counter);
            }
            List<ReplayEntry> entries = buffer.entries;
            int dim = buffer.minred && !entries.isEmpty() ? entries.get(0).feature.length : 0;
            out.writeInt(dim);
            out.writeInt(entries.size());
            Map<ReplayEntry, Integer> index = new IdentityHashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                index.put(entries.get(i), i);
            }
            for (ReplayEntry e : entries) {
                out.writeUTF(e.item.id());
                out.writeLong(e.item.eventTime());
                out.writeInt(e.item.label());
                out.writeLong(e.seq);
                out.writeInt(e.uses);
                out.write(e.item.pixels());
                if (dim > 0) {
                    for (float v : e.feature) {
                        out.writeInt(Float.floatToRawIntBits(v));
                    }
                    out.writeInt(Float.floatToRawIntBits(e.neighbourSimilarity));
                    out.writeInt(e.neighbour == null ? -1 : index.get(e.neighbour));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Fills the empty {@code buffer} from {@code blob}. */
    static void decode(byte[] blob, ReplayBuffer buffer) {
        try (BlobReader in = new BlobReader(blob, "replay buffer")) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not an Oxbow replay buffer (magic " + Integer.toHexString(magic)
                        + ")");
            }
            int version = in.readInt();
            if (version > FORMAT_VERSION) {
                throw new IllegalArgumentException("replay buffer format " + version + " is newer than this Oxbow reads ("
                        + FORMAT_VERSION + "): upgrade Oxbow to restore it");
            }
            String stored = in.readUTF() + " capacity " + in.readInt() + " " + in.readInt() + "x" + in.readInt();
            String expected = buffer.config.policy() + " capacity " + buffer.config.capacity() + " "
                    + buffer.channels + "x" + buffer.size;
            if (!stored.equals(expected)) {
                throw new IllegalArgumentException("replay buffer is " + stored + " but this one is " + expected);
            }
            buffer.offered = in.readLong();
            buffer.admitted = in.readLong();
            buffer.evicted = in.readLong();
            buffer.rejected = in.readLong();
            buffer.draws = in.readLong();
            int dim = in.count("feature dimension", Float.BYTES);
            int count = in.count("image count", 1);
            if (count > buffer.config.capacity() || (dim > 0) != (buffer.minred && count > 0)) {
                throw new IllegalArgumentException("corrupt replay buffer: " + count + " images, feature dimension " + dim);
            }
            List<ReplayEntry> entries = new ArrayList<>(count);
            int[] neighbours = new int[count];
            for (int i = 0; i < count; i++) {
                ReplayEntry e = readEntry(in, buffer.channels * buffer.size * buffer.size);
                if (dim > 0) {
                    e.feature = new float[dim];
                    for (int k = 0; k < dim; k++) {
                        e.feature[k] = Float.intBitsToFloat(in.readInt());
                    }
                    e.neighbourSimilarity = Float.intBitsToFloat(in.readInt());
                    neighbours[i] = in.readInt();
                    if (neighbours[i] < -1 || neighbours[i] >= count || neighbours[i] == i) {
                        throw new IllegalArgumentException("corrupt replay buffer: image " + i + " has neighbour "
                                + neighbours[i]);
                    }
                }
                entries.add(e);
            }
            in.end();
            for (int i = 0; i < count && dim > 0; i++) {
                entries.get(i).neighbour = neighbours[i] < 0 ? null : entries.get(neighbours[i]);
            }
            buffer.entries.addAll(entries);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt replay buffer: " + e.getMessage(), e);
        }
    }

    private static ReplayEntry readEntry(BlobReader in, int pixels) throws IOException {
        String id = in.readUTF();
        long eventTime = in.readLong();
        int label = in.readInt();
        long seq = in.readLong();
        int uses = in.readInt();
        byte[] image = in.bytes("image " + id, pixels);
        ReplayEntry e = new ReplayEntry(new ReplayItem(id, eventTime, label, image), seq);
        e.uses = uses;
        return e;
    }
}
