package ai.oxbow.model.replay;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.state.BlobReader;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.StateFrame;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.StateCodec;
import ai.oxbow.model.train.ViewBatch;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Trains an {@link SslTrainer} from a {@link ReplayBuffer} instead of from the stream itself:
 * events enter the buffer ({@link #admit}), each earning {@code updatesPerEvent} sample-uses of
 * credit, and every {@link #step} trains on a batch from the buffer, re-augmented, and spends the
 * credit it uses. Each use of an image draws new views of every view of the recipe (draw number
 * = its use count), so replay never repeats a view.
 *
 * <p>Views are drawn ahead: each step samples the batch of the next one and hands it to a
 * {@link ViewPool}, whose threads draw its views while this step trains. The sampled batch is part
 * of the state, so a restored learner trains on exactly the batch the original would have.
 *
 * <p>Not thread-safe: the caller serialises every call (the Flink trainer operator does). The
 * trainer stays the caller's to close; {@link #close} stops the view threads.
 */
public final class StreamLearner implements AutoCloseable {
    /** "OXBL": a learner blob; a bare trainer blob starts with {@link StateCodec#MAGIC} ("OXBO"). */
    public static final int MAGIC = 0x4F58424C;
    /** 3: framed (fingerprint, checksum); 2: the next step's batch follows the counters; 1: no such batch. */
    public static final int FORMAT_VERSION = 3;
    /** Fingerprint fields a restore may change: the updates each event earns (credit only). */
    public static final Set<String> MAY_CHANGE = Set.of("replay.updates_per_event");
    private static final String WHAT = "learner state";

    private final SslTrainer trainer;
    private final ReplayConfig config;
    private final int channels;
    private final int size;
    private final ViewPool pool;
    private final Fingerprint fingerprint;
    private ReplayBuffer buffer;
    private double credit;
    private double forgoneCredit;
    private long steps;
    private long replayed;
    /** The next step's batch, sampled, its views being drawn; null until a step samples one. */
    private Prepared next;
    /** Time steps spent waiting for their views (drawing them, with no view threads): not state. */
    private long viewWaitNanos;
    private long viewWaitSteps;

    private record Prepared(List<ReplayBuffer.Sample> samples, CompletableFuture<ViewBatch> views) {}

    /** @param viewThreads threads drawing views ahead of the step (0: on the caller's thread, not ahead) */
    public StreamLearner(SslTrainer trainer, Augmenter augmenter, ReplayConfig config, int viewThreads) {
        if (augmenter.recipe().globals() != trainer.config().globalViews()) {
            throw new IllegalArgumentException("the recipe has " + augmenter.recipe().globals()
                    + " global views, the trainer expects " + trainer.config().globalViews());
        }
        augmenter.recipe().checkSizes(trainer.config().size());
        this.trainer = trainer;
        this.config = config;
        this.channels = trainer.config().channels();
        this.size = trainer.config().size();
        this.buffer = new ReplayBuffer(config, channels, size);
        this.pool = new ViewPool(augmenter, channels, size, viewThreads);
        this.fingerprint = fingerprint(config, augmenter);
    }

    /**
     * Offers events to the buffer in order and earns u credit for each. MinRed's features come
     * from the current backbone on the clean images.
     */
    public void admit(List<ReplayItem> items) {
        admit(items, admissionFeatures(items));
    }

    /**
     * What {@link #admit(List, float[])} needs computed first: MinRed's features of the items
     * (null for the other policies). It only reads the network, so it may run while another
     * thread reads the state (a checkpoint), as long as nothing trains meanwhile.
     */
    public float[] admissionFeatures(List<ReplayItem> items) {
        if (items.isEmpty() || !buffer.needsFeatures()) {
            return null;
        }
        int pixels = channels * size * size;
        float[] clean = new float[items.size() * pixels];
        for (int i = 0; i < items.size(); i++) {
            buffer.checkShape(items.get(i));
            System.arraycopy(Pixels.unit(items.get(i).pixels()), 0, clean, i * pixels, pixels);
        }
        return trainer.embedWithCurrent(clean, items.size());
    }

    /** {@link #admit(List)} with the features {@link #admissionFeatures} computed for these items. */
    public void admit(List<ReplayItem> items, float[] features) {
        for (int i = 0; i < items.size(); i++) {
            buffer.add(items.get(i), features == null ? null : slice(features, i, trainer.embeddingDim()));
        }
        // Owed steps are capped at what one buffer's (or batch's) worth of events earns, plus a
        // step: a live stream that outruns training would otherwise pile up steps without end.
        // Admitting at most that many events between steps (a trainer reading at its own pace,
        // bench replay) never reaches the cap, so those schedules are unchanged.
        double earned = credit + config.updatesPerEvent() * items.size();
        double cap = Math.max(config.capacity(), config.batch()) * Math.max(1, config.updatesPerEvent())
                + config.batch();
        forgoneCredit += Math.max(0, earned - cap);
        credit = Math.min(earned, cap);
    }

    /** Whether a step is owed: a batch worth of credit and a batch to train on. */
    public boolean due() {
        return credit >= config.batch() && (next != null || buffer.size() >= 2);
    }

    /**
     * One training step on min(batch, buffer size) images (see {@link ReplayBuffer} for which),
     * fresh views of each; spends one credit per image. The batch is the one the previous step
     * sampled (or, for the first step, sampled now); before training, this step samples the next.
     *
     * @return the loss (NaN or infinite when the trainer skipped the step)
     */
    public float step() {
        if (!due()) {
            throw new IllegalStateException("no step is due: credit " + credit + ", " + buffer.size() + " images");
        }
        long waitStart = System.nanoTime();
        Prepared current = next != null ? next : prepare();
        next = prepare();
        ViewBatch views = current.views().join();
        viewWaitNanos += System.nanoTime() - waitStart;
        viewWaitSteps++;
        int n = current.samples().size();
        float loss = trainer.train(views);
        if (buffer.needsFeatures()) {
            int pixels = channels * size * size;
            float[] clean = new float[n * pixels];
            for (int i = 0; i < n; i++) {
                System.arraycopy(Pixels.unit(current.samples().get(i).entry().item.pixels()), 0, clean, i * pixels,
                        pixels);
            }
            float[] features = trainer.embedWithCurrent(clean, n);
            for (int i = 0; i < n; i++) {
                buffer.trained(current.samples().get(i).entry(), slice(features, i, trainer.embeddingDim()));
            }
        }
        credit -= n;
        steps++;
        replayed += n;
        return loss;
    }

    private Prepared prepare() {
        List<ReplayBuffer.Sample> samples = buffer.sample();
        return new Prepared(samples, pool.draw(samples));
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

    /** Mean milliseconds a step of this process waited for its views (sampling included). */
    public double viewWaitMs() {
        return viewWaitSteps == 0 ? 0 : viewWaitNanos / 1e6 / viewWaitSteps;
    }

    /** Sample-uses earned and not spent yet. */
    public double credit() {
        return credit;
    }

    /** Steps given up because the owed steps reached their cap (see {@link #admit}); not state. */
    public long forgoneSteps() {
        return (long) Math.floor(forgoneCredit / config.batch());
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
     * Everything the learner knows as one versioned blob. Format 3 is a {@link StateFrame}: magic
     * 0x4F58424C ("OXBL"), version, {@link #fingerprint} and the CRC-32C of this body:
     * <pre>
     * int  length, trainer blob ({@link StateCodec})
     * int  length, buffer blob ({@link ReplayBuffer#encode})
     * long credit (raw IEEE-754 bits), long steps, long replayed images
     * int  images in the next step's batch (0: none sampled yet), then per image: long admission
     *      number, int draw, UTF id, long event time, int label, channels*size*size bytes (uint8 CHW)
     * </pre>
     * Formats 1 and 2 (read, no longer written) had this body right after magic and version, with
     * no fingerprint or checksum, and format 1 no next batch.
     */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (byte[] part : new byte[][] {trainer.snapshot(), buffer.encode()}) {
                out.writeInt(part.length);
                out.write(part);
            }
            out.writeLong(Double.doubleToRawLongBits(credit));
            out.writeLong(steps);
            out.writeLong(replayed);
            List<ReplayBuffer.Sample> samples = next == null ? List.of() : next.samples();
            out.writeInt(samples.size());
            for (ReplayBuffer.Sample s : samples) {
                ReplayItem item = s.entry().item;
                out.writeLong(s.entry().seq);
                out.writeInt(s.draw());
                out.writeUTF(item.id());
                out.writeLong(item.eventTime());
                out.writeInt(item.label());
                out.write(item.pixels());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return StateFrame.write(MAGIC, FORMAT_VERSION, fingerprint, bytes.toByteArray());
    }

    /**
     * What shaped the learner's own state (the trainer blob inside has its own): replay
     * configuration, augmentation recipe and seed.
     */
    public Fingerprint fingerprint() {
        return fingerprint;
    }

    private static Fingerprint fingerprint(ReplayConfig config, Augmenter augmenter) {
        TreeMap<String, String> f = new TreeMap<>();
        f.put("replay.policy", config.policy());
        f.put("replay.capacity", String.valueOf(config.capacity()));
        f.put("replay.updates_per_event", String.valueOf(config.updatesPerEvent()));
        f.put("replay.new_fraction", String.valueOf(config.newFraction()));
        f.put("replay.batch", String.valueOf(config.batch()));
        f.put("replay.seed", String.valueOf(config.seed()));
        f.put("augment.recipe", augmenter.recipe().toString());
        f.put("augment.seed", String.valueOf(augmenter.seed()));
        return Fingerprint.of(f);
    }

    /**
     * Restores a {@link #snapshot} blob, or a bare trainer blob (magic "OXBO", written by Oxbow
     * versions before the replay buffer): then the trainer is restored and the learner starts
     * with an empty buffer, no credit and zero counters. Refuses a newer format, a corrupt blob or
     * one of another configuration (fields outside {@link #MAY_CHANGE}), and reads the whole blob,
     * the trainer's part included, before changing anything.
     *
     * @return the configuration fields, the learner's and the trainer's, that may change across a
     *         restore and did (empty: none)
     */
    public Set<String> restore(byte[] state) {
        if (StateFrame.magic(state) == StateCodec.MAGIC) {
            Set<String> changed = trainer.restore(state);
            restored(new ReplayBuffer(config, channels, size), 0, 0, 0, List.of());
            return changed;
        }
        int version = StateFrame.version(state, MAGIC, FORMAT_VERSION, WHAT);
        BlobReader in;
        Set<String> changed = new TreeSet<>();
        if (version < 3) {
            in = new BlobReader(state, 8, state.length - 8, WHAT);
        } else {
            StateFrame.Frame frame = StateFrame.read(state, MAGIC, FORMAT_VERSION, WHAT);
            changed.addAll(fingerprint.accept(frame.fingerprint(), MAY_CHANGE, WHAT));
            in = frame.body();
        }
        try {
            byte[] trainerState = in.bytes("trainer part");
            ReplayBuffer restoredBuffer = ReplayBuffer.decode(in.bytes("buffer part"), config, channels, size);
            double restoredCredit = Double.longBitsToDouble(in.readLong());
            long restoredSteps = in.readLong();
            long restoredReplayed = in.readLong();
            List<ReplayBuffer.Sample> restoredNext = version >= 2 ? readSamples(in, restoredBuffer) : List.of();
            in.end();
            changed.addAll(trainer.restore(trainerState));
            restored(restoredBuffer, restoredCredit, restoredSteps, restoredReplayed, restoredNext);
            return changed;
        } catch (IOException e) {
            throw in.corrupt(e.toString());
        }
    }

    /** The next step's batch: buffer entries where still present, else the stored image (evicted since). */
    private List<ReplayBuffer.Sample> readSamples(BlobReader in, ReplayBuffer restoredBuffer) throws IOException {
        int count = in.count("next batch size", channels * size * size);
        if (count > config.batch()) {
            throw in.corrupt("a next batch of " + count + " images");
        }
        List<ReplayBuffer.Sample> samples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long seq = in.readLong();
            int draw = in.readInt();
            String id = in.readUTF();
            long eventTime = in.readLong();
            int label = in.readInt();
            byte[] pixels = new byte[channels * size * size];
            in.readFully(pixels);
            ReplayEntry entry = restoredBuffer.find(seq);
            if (entry == null) {
                entry = new ReplayEntry(new ReplayItem(id, eventTime, label, pixels), seq);
                entry.evicted = true;
            } else if (!entry.item.id().equals(id)) {
                throw new IllegalArgumentException("corrupt learner state: next batch image " + seq + " is " + id
                        + " but the buffer holds " + entry.item.id());
            }
            samples.add(new ReplayBuffer.Sample(entry, draw));
        }
        return samples;
    }

    private void restored(ReplayBuffer restoredBuffer, double restoredCredit, long restoredSteps,
                          long restoredReplayed, List<ReplayBuffer.Sample> restoredNext) {
        buffer = restoredBuffer;
        credit = restoredCredit;
        steps = restoredSteps;
        replayed = restoredReplayed;
        next = restoredNext.isEmpty() ? null : new Prepared(restoredNext, pool.draw(restoredNext));
    }

    @Override
    public void close() {
        pool.close();
    }
}
