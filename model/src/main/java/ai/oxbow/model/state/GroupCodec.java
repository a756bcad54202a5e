package ai.oxbow.model.state;

import ai.oxbow.model.replay.ReplayItem;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checkpointed state of a trainer group of N ranks, as entries of Flink union list state
 * (every rank reads all of them on restore, so a group of another size can share them out):
 * one {@link ModelEntry} that rank 0 writes, the trainer every rank holds the same, and one
 * {@link RankEntry} per rank. Both are {@link StateFrame}s with an empty fingerprint (their
 * blobs carry their own), format 1:
 * <pre>
 * model ("OXGM"): long step, int ranks, UTF writer job, long trainer CRC-32C, int length, trainer blob
 *                 ({@link TrainerCodec})
 * rank  ("OXGR"): int rank, int ranks, long step, int length, rank blob ({@link LearnerCodec#encodeRank}),
 *                 int pending images, each: UTF id, long event time, int label, int length, bytes,
 *                 int partitions, each: int partition, long next offset to read, long end offset (-1: none),
 *                 int skipped offsets (already consumed, from a rescale), each: long offset
 * </pre>
 */
public final class GroupCodec {
    public static final int MODEL_MAGIC = 0x4F58474D;
    public static final int RANK_MAGIC = 0x4F584752;
    public static final int FORMAT_VERSION = 1;

    private GroupCodec() {}

    /** The trainer at the group's cut, with the CRC-32C of its blob as recorded when it was saved. */
    public record ModelEntry(long step, int ranks, String writerJob, long trainerCrc, byte[] trainer) {}

    /**
     * A rank's part at the cut: its learner beyond the trainer, the images it read and has not
     * admitted, and where its reader stands in each partition.
     */
    public record RankEntry(
            int rank,
            int ranks,
            long step,
            byte[] learner,
            List<ReplayItem> pending,
            Map<Integer, Partition> partitions) {}

    /**
     * A partition as a rank's reader sees it.
     *
     * @param next    the next offset to read
     * @param end     where a bounded run stops (-1: unbounded)
     * @param skipped offsets at or after {@code next} that another rank consumed before a rescale
     */
    public record Partition(long next, long end, long[] skipped) {}

    public static byte[] encode(ModelEntry m) {
        return frame(MODEL_MAGIC, out -> {
            out.writeLong(m.step());
            out.writeInt(m.ranks());
            out.writeUTF(m.writerJob());
            out.writeLong(m.trainerCrc());
            out.writeInt(m.trainer().length);
            out.write(m.trainer());
        });
    }

    public static byte[] encode(RankEntry r) {
        return frame(RANK_MAGIC, out -> {
            out.writeInt(r.rank());
            out.writeInt(r.ranks());
            out.writeLong(r.step());
            out.writeInt(r.learner().length);
            out.write(r.learner());
            out.writeInt(r.pending().size());
            for (ReplayItem item : r.pending()) {
                out.writeUTF(item.id());
                out.writeLong(item.eventTime());
                out.writeInt(item.label());
                out.writeInt(item.pixels().length);
                out.write(item.pixels());
            }
            out.writeInt(r.partitions().size());
            for (Map.Entry<Integer, Partition> e : new TreeMap<>(r.partitions()).entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue().next());
                out.writeLong(e.getValue().end());
                out.writeInt(e.getValue().skipped().length);
                for (long offset : e.getValue().skipped()) {
                    out.writeLong(offset);
                }
            }
        });
    }

    /** Whether a blob is a model entry (else it should be a rank entry). */
    public static boolean isModel(byte[] blob) {
        return StateFrame.magic(blob) == MODEL_MAGIC;
    }

    public static ModelEntry decodeModel(byte[] blob) {
        BlobReader in = StateFrame.read(blob, MODEL_MAGIC, FORMAT_VERSION, "trainer group model")
                .body();
        try {
            ModelEntry m =
                    new ModelEntry(in.readLong(), in.readInt(), in.readUTF(), in.readLong(), in.bytes("trainer"));
            in.end();
            return m;
        } catch (IOException e) {
            throw in.corrupt(e.toString());
        }
    }

    public static RankEntry decodeRank(byte[] blob) {
        BlobReader in = StateFrame.read(blob, RANK_MAGIC, FORMAT_VERSION, "trainer group rank")
                .body();
        try {
            int rank = in.readInt();
            int ranks = in.readInt();
            long step = in.readLong();
            byte[] learner = in.bytes("rank learner");
            int count = in.count("pending images", 20);
            List<ReplayItem> pending = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                pending.add(new ReplayItem(in.readUTF(), in.readLong(), in.readInt(), in.bytes("pixels")));
            }
            int partitions = in.count("partitions", 24);
            Map<Integer, Partition> positions = new TreeMap<>();
            for (int i = 0; i < partitions; i++) {
                int partition = in.readInt();
                long next = in.readLong();
                long end = in.readLong();
                long[] skipped = new long[in.count("skipped offsets", 8)];
                for (int k = 0; k < skipped.length; k++) {
                    skipped[k] = in.readLong();
                }
                positions.put(partition, new Partition(next, end, skipped));
            }
            in.end();
            if (rank < 0 || rank >= ranks) {
                throw in.corrupt("rank " + rank + " of " + ranks);
            }
            return new RankEntry(rank, ranks, step, learner, pending, positions);
        } catch (IOException e) {
            throw in.corrupt(e.toString());
        }
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] frame(int magic, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return StateFrame.write(magic, FORMAT_VERSION, Fingerprint.of(new TreeMap<>()), bytes.toByteArray());
    }
}
