package ai.oxbow.model.state;

import ai.oxbow.model.state.legacy.OlderFormats;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The versioned binary format of a stream learner: everything it knows as one blob. Format 3 is
 * a {@link StateFrame}: magic 0x4F58424C ("OXBL"), version, the learner's fingerprint and the
 * CRC-32C of this body:
 * <pre>
 * int  length, trainer blob ({@link TrainerCodec})
 * int  length, buffer blob ({@link ReplayBufferCodec})
 * long credit (raw IEEE-754 bits), long steps, long replayed images
 * int  images in the next step's batch (0: none sampled yet), then per image: long admission
 *      number, int draw, UTF id, long event time, int label, channels*size*size bytes (uint8 CHW)
 * </pre>
 * Formats 1 and 2 ({@link OlderFormats}, read, no longer written) had this body right after magic
 * and version, with no fingerprint or checksum, and format 1 no next batch.
 */
public final class LearnerCodec {
    public static final int MAGIC = 0x4F58424C;
    public static final int FORMAT_VERSION = 3;
    /** Fingerprint fields a restore may change: the updates each event earns (credit only). */
    public static final Set<String> MAY_CHANGE = Set.of("replay.updates_per_event");

    private static final String WHAT = "learner state";

    private LearnerCodec() {}

    /**
     * A learner as its blob holds it.
     *
     * @param trainer the trainer's blob
     * @param buffer  the replay buffer's blob
     * @param next    the next step's batch (empty: none sampled yet)
     */
    public record State(
            byte[] trainer, byte[] buffer, double credit, long steps, long replayed, List<NextImage> next) {}

    /**
     * An image of the next step's batch, whole: it may have left the buffer since it was sampled.
     *
     * @param seq  its admission number
     * @param draw the draw its views use
     */
    public record NextImage(long seq, int draw, String id, long eventTime, int label, byte[] pixels) {}

    public static byte[] encode(Fingerprint fingerprint, State s) {
        return StateFrame.write(MAGIC, FORMAT_VERSION, fingerprint, body(s.trainer(), s));
    }

    /**
     * One rank of a data-parallel group saves its learner without the trainer, which every rank
     * holds the same and rank 0 saves once: format 1, a {@link StateFrame} with magic 0x4F584252
     * ("OXBR") whose body is a learner's but for an empty trainer part.
     */
    public static final int RANK_MAGIC = 0x4F584252;

    public static final int RANK_FORMAT_VERSION = 1;

    public static byte[] encodeRank(Fingerprint fingerprint, State s) {
        return StateFrame.write(RANK_MAGIC, RANK_FORMAT_VERSION, fingerprint, body(new byte[0], s));
    }

    private static byte[] body(byte[] trainer, State s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (byte[] part : new byte[][] {trainer, s.buffer()}) {
                out.writeInt(part.length);
                out.write(part);
            }
            out.writeLong(Double.doubleToRawLongBits(s.credit()));
            out.writeLong(s.steps());
            out.writeLong(s.replayed());
            out.writeInt(s.next().size());
            for (NextImage image : s.next()) {
                out.writeLong(image.seq());
                out.writeInt(image.draw());
                out.writeUTF(image.id());
                out.writeLong(image.eventTime());
                out.writeInt(image.label());
                out.write(image.pixels());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes a rank's blob ({@link #encodeRank}); its trainer part is empty.
     *
     * @param live     the fingerprint of the learner to restore into, or null to accept any (a rescale
     *                 restores another group size's ranks, whose batch and capacity differ)
     */
    public static Decoded decodeRank(byte[] blob, Fingerprint live, int pixels, int maxBatch) {
        StateFrame.Frame frame = StateFrame.read(blob, RANK_MAGIC, RANK_FORMAT_VERSION, "rank learner state");
        Set<String> changed =
                live == null ? Set.of() : live.accept(frame.fingerprint(), MAY_CHANGE, "rank learner state");
        return new Decoded(
                RANK_FORMAT_VERSION, changed, state(frame.body(), RANK_FORMAT_VERSION + 2, pixels, maxBatch));
    }

    /**
     * What a decode read: the blob's format, the {@link #MAY_CHANGE} fields that differ from the
     * live fingerprint, and the learner's state (its trainer and buffer blobs still encoded).
     */
    public record Decoded(int format, Set<String> changed, State state) {}

    /**
     * Decodes a learner blob (not a bare trainer blob: see {@link OlderFormats#isBareTrainer}).
     *
     * @param live     the fingerprint of the learner to restore into
     * @param pixels   bytes per image of that learner's input
     * @param maxBatch its batch size: the most images a next batch can hold
     */
    public static Decoded decode(byte[] blob, Fingerprint live, int pixels, int maxBatch) {
        int version = StateFrame.version(blob, MAGIC, FORMAT_VERSION, WHAT);
        BlobReader in;
        Set<String> changed = new TreeSet<>();
        if (version < 3) {
            in = OlderFormats.body(blob, WHAT);
        } else {
            StateFrame.Frame frame = StateFrame.read(blob, MAGIC, FORMAT_VERSION, WHAT);
            changed.addAll(live.accept(frame.fingerprint(), MAY_CHANGE, WHAT));
            in = frame.body();
        }
        return new Decoded(version, changed, state(in, version, pixels, maxBatch));
    }

    /** The body of a learner blob of this format (a rank's reads as format 3). */
    private static State state(BlobReader in, int version, int pixels, int maxBatch) {
        try {
            byte[] trainer = in.bytes("trainer part");
            byte[] buffer = in.bytes("buffer part");
            double credit = Double.longBitsToDouble(in.readLong());
            long steps = in.readLong();
            long replayed = in.readLong();
            List<NextImage> next =
                    OlderFormats.learnerHasNextBatch(version) ? readNext(in, pixels, maxBatch) : List.of();
            in.end();
            return new State(trainer, buffer, credit, steps, replayed, next);
        } catch (IOException e) {
            throw in.corrupt(e.toString());
        }
    }

    private static List<NextImage> readNext(BlobReader in, int pixels, int maxBatch) throws IOException {
        int count = in.count("next batch size", pixels);
        if (count > maxBatch) {
            throw in.corrupt("a next batch of " + count + " images");
        }
        List<NextImage> next = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long seq = in.readLong();
            int draw = in.readInt();
            String id = in.readUTF();
            long eventTime = in.readLong();
            int label = in.readInt();
            byte[] image = new byte[pixels];
            in.readFully(image);
            next.add(new NextImage(seq, draw, id, eventTime, label, image));
        }
        return next;
    }
}
