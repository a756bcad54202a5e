package ai.oxbow.model.state.legacy;

import ai.oxbow.model.state.BlobReader;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.StateFrame;
import ai.oxbow.model.state.TrainerCodec;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the current codecs need to read the formats Oxbow no longer writes: read, never written.
 *
 * <p>The formats before the frame (trainer 1, learner 1 and 2, encoder snapshot 1) had their body
 * right after magic and version, with no fingerprint and no checksum; what a framed format keeps
 * in its fingerprint they kept, if at all, in a header of their own at the start of the body.
 * Past that header the body is the current format's, except where a method here says otherwise.
 * And before the replay buffer, Oxbow checkpointed a bare trainer blob where a learner blob is now.
 */
public final class OlderFormats {
    /** Trainer scalars format 2 added, with the value every format-1 state implies (it never forked). */
    public static final Map<String, Long> TRAINER_V1_IMPLIED = Map.of("published/lineage", 0L);

    private OlderFormats() {}

    /** The bytes after magic and version. */
    public static BlobReader body(byte[] blob, String what) {
        return new BlobReader(blob, 8, blob.length - 8, what);
    }

    /** Trainer format 1's header: UTF method, UTF encoder, int channels, int size; the entries follow. */
    public static TrainerCodec.Header trainerHeader(BlobReader in) throws IOException {
        return new TrainerCodec.Header(1, in.readUTF(), in.readUTF(), in.readInt(), in.readInt());
    }

    /** Whether a learner blob is a bare trainer blob (magic "OXBO"), as Oxbow wrote before the replay buffer. */
    public static boolean isBareTrainer(byte[] learnerBlob) {
        return StateFrame.magic(learnerBlob) == TrainerCodec.MAGIC;
    }

    /** Learner format 1 saved no next batch after its counters; format 2 did, as format 3 does. */
    public static boolean learnerHasNextBatch(int format) {
        return format >= 2;
    }

    /**
     * Encoder snapshot format 1's header (long version, UTF method, UTF encoder, int channels, int
     * size, mean and std as length-prefixed floats) as the fingerprint format 2 has; the tensors follow.
     */
    public static Fingerprint encoderHeader(BlobReader in) throws IOException {
        TreeMap<String, String> f = new TreeMap<>();
        f.put("version", String.valueOf(in.readLong()));
        f.put("method", in.readUTF());
        f.put("encoder", in.readUTF());
        f.put("channels", String.valueOf(in.readInt()));
        f.put("size", String.valueOf(in.readInt()));
        f.put("mean", Fingerprint.floats(in.floats("mean")));
        f.put("std", Fingerprint.floats(in.floats("std")));
        return Fingerprint.of(f);
    }
}
