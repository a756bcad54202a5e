package ai.oxbow.model.replay;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Chw;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.StateCodec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Trains an {@link SslTrainer} from a {@link ReplayBuffer} instead of from the stream itself:
 * events enter the buffer ({@link #admit}), each earning {@code updatesPerEvent} sample-uses of
 * credit, and every {@link #step} draws a batch from the buffer, re-augments it and spends the
 * credit it uses. Each use of an image draws new views (draw number = its use count), so replay
 * never repeats a pair of views.
 *
 * <p>Not thread-safe: the caller serialises every call (the Flink trainer operator does). The
 * trainer stays the caller's to close.
 */
public final class StreamLearner {
    /** "OXBL": a learner blob; a bare trainer blob starts with {@link StateCodec#MAGIC} ("OXBO"). */
    public static final int MAGIC = 0x4F58424C;
    public static final int FORMAT_VERSION = 1;

    private final SslTrainer trainer;
    private final Augmenter augmenter;
    private final ReplayConfig config;
    private final int channels;
    private final int size;
    private ReplayBuffer buffer;
    private double credit;
    private long steps;
    private long replayed;

    public StreamLearner(SslTrainer trainer, Augmenter augmenter, ReplayConfig config) {
        if (augmenter.views() < 2) {
            throw new IllegalArgumentException("the learner trains on two views; the recipe draws " + augmenter.views());
        }
        this.trainer = trainer;
        this.augmenter = augmenter;
        this.config = config;
        this.channels = trainer.config().channels();
        this.size = trainer.config().size();
        this.buffer = new ReplayBuffer(config, channels, size);
    }

    /**
     * Offers events to the buffer in order and earns u credit for each. MinRed's features come
     * from the current backbone on the clean images.
     */
    public void admit(List<ReplayItem> items) {
        if (items.isEmpty()) {
            return;
        }
        float[] features = null;
        if (buffer.needsFeatures()) {
            int pixels = channels * size * size;
            float[] clean = new float[items.size() * pixels];
            for (int i = 0; i < items.size(); i++) {
                buffer.checkShape(items.get(i));
                System.arraycopy(Pixels.unit(items.get(i).pixels()), 0, clean, i * pixels, pixels);
            }
            features = trainer.embedWithCurrent(clean, items.size());
        }
        for (int i = 0; i < items.size(); i++) {
            buffer.add(items.get(i), features == null ? null : slice(features, i, trainer.embeddingDim()));
        }
        credit += config.updatesPerEvent() * items.size();
    }

    /** Whether a step is owed: a batch worth of credit and at least two images to train on. */
    public boolean due() {
        return credit >= config.batch() && buffer.size() >= 2;
    }

    /**
     * One training step on min(batch, buffer size) images (see {@link ReplayBuffer} for which),
     * two fresh views each; spends one credit per image.
     *
     * @return the loss (NaN or infinite when the trainer skipped the step)
     */
    public float step() {
        if (!due()) {
            throw new IllegalStateException("no step is due: credit " + credit + ", " + buffer.size() + " images");
        }
        List<ReplayEntry> batch = buffer.sample();
        int n = batch.size();
        int pixels = channels * size * size;
        float[] clean = new float[n * pixels];
        float[] views1 = new float[n * pixels];
        float[] views2 = new float[n * pixels];
        for (int i = 0; i < n; i++) {
            ReplayEntry e = batch.get(i);
            Chw image = new Chw(Pixels.unit(e.item.pixels()), channels, size, size);
            System.arraycopy(image.data(), 0, clean, i * pixels, pixels);
            System.arraycopy(augmenter.view(image, e.item.id(), 0, e.uses).data(), 0, views1, i * pixels, pixels);
            System.arraycopy(augmenter.view(image, e.item.id(), 1, e.uses).data(), 0, views2, i * pixels, pixels);
        }
        float loss = trainer.train(views1, views2, n);
        float[] features = buffer.needsFeatures() ? trainer.embedWithCurrent(clean, n) : null;
        for (int i = 0; i < n; i++) {
            buffer.used(batch.get(i), features == null ? null : slice(features, i, trainer.embeddingDim()));
        }
        credit -= n;
        steps++;
        replayed += n;
        return loss;
    }

    private static float[] slice(float[] rows, int i, int dim) {
        float[] out = new float[dim];
        System.arraycopy(rows, i * dim, out, 0, dim);
        return out;
    }

    public long offered() {
        return buffer.offered();
    }

    public long admitted() {
        return buffer.admitted();
    }

    public long evicted() {
        return buffer.evicted();
    }

    /** Events the reservoir turned away. */
    public long rejected() {
        return buffer.rejected();
    }

    /** Images trained on, over all steps (a replayed image counts each time). */
    public long replayed() {
        return replayed;
    }

    public long steps() {
        return steps;
    }

    /** Sample-uses earned and not spent yet. */
    public double credit() {
        return credit;
    }

    /** Full steps the credit pays for now. */
    public long pendingSteps() {
        return (long) Math.floor(credit / config.batch());
    }

    public int bufferSize() {
        return buffer.size();
    }

    public double meanUses() {
        return buffer.meanUses();
    }

    /**
     * Everything the learner knows as one versioned blob:
     * <pre>
     * int  magic 0x4F58424C ("OXBL"), int format version (1)
     * int  length, trainer blob ({@link StateCodec})
     * int  length, buffer blob ({@link ReplayBuffer#encode})
     * long credit (raw IEEE-754 bits), long steps, long replayed images
     * </pre>
     */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            for (byte[] part : new byte[][] {trainer.snapshot(), buffer.encode()}) {
                out.writeInt(part.length);
                out.write(part);
            }
            out.writeLong(Double.doubleToRawLongBits(credit));
            out.writeLong(steps);
            out.writeLong(replayed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Restores a {@link #snapshot} blob, or a bare trainer blob (magic "OXBO", written by Oxbow
     * versions before the replay buffer): then the trainer is restored and the learner starts
     * with an empty buffer, no credit and zero counters. Refuses a newer format or a blob of
     * another method, shape or buffer policy, before changing anything.
     */
    public void restore(byte[] state) {
        int magic = state.length < 4 ? 0 : (state[0] & 0xFF) << 24 | (state[1] & 0xFF) << 16
                | (state[2] & 0xFF) << 8 | (state[3] & 0xFF);
        if (magic == StateCodec.MAGIC) {
            trainer.restore(state);
            restored(new ReplayBuffer(config, channels, size), 0, 0, 0);
            return;
        }
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not an Oxbow learner or trainer state (magic "
                    + Integer.toHexString(magic) + ")");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            in.readInt();
            int version = in.readInt();
            if (version > FORMAT_VERSION) {
                throw new IllegalArgumentException("learner state format " + version + " is newer than this Oxbow reads ("
                        + FORMAT_VERSION + "): upgrade Oxbow to restore it");
            }
            byte[] trainerState = readPart(in);
            ReplayBuffer restoredBuffer = ReplayBuffer.decode(readPart(in), config, channels, size);
            double restoredCredit = Double.longBitsToDouble(in.readLong());
            long restoredSteps = in.readLong();
            long restoredReplayed = in.readLong();
            if (in.available() > 0) {
                throw new IllegalArgumentException("corrupt learner state: " + in.available() + " trailing bytes");
            }
            trainer.restore(trainerState);
            restored(restoredBuffer, restoredCredit, restoredSteps, restoredReplayed);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt learner state: " + e.getMessage(), e);
        }
    }

    private static byte[] readPart(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IllegalArgumentException("corrupt learner state: a part of " + length + " bytes");
        }
        byte[] part = new byte[length];
        in.readFully(part);
        return part;
    }

    private void restored(ReplayBuffer restoredBuffer, double restoredCredit, long restoredSteps,
                          long restoredReplayed) {
        buffer = restoredBuffer;
        credit = restoredCredit;
        steps = restoredSteps;
        replayed = restoredReplayed;
    }
}
