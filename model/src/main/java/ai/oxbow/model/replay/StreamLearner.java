package ai.oxbow.model.replay;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.LearnerCodec;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.state.legacy.OlderFormats;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.ViewBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Trains an {@link SslTrainer} from a {@link ReplayBuffer} instead of from the stream itself:
 * events enter the buffer ({@link #admit}), each earning {@code updatesPerEvent} sample-uses of
 * credit, and every {@link #trainStep} trains on a batch from the buffer, re-augmented, and spends the
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
            throw new IllegalArgumentException(
                    "the recipe has " + augmenter.recipe().globals() + " global views, the trainer expects "
                            + trainer.config().globalViews());
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
        items.forEach(buffer::checkShape);
        return trainer.embedWithCurrent(ReplayItem.cleanBatch(items), items.size());
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
        double cap =
                Math.max(config.capacity(), config.batch()) * Math.max(1, config.updatesPerEvent()) + config.batch();
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
    public float trainStep() {
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
            List<ReplayItem> items = current.samples().stream()
                    .map(sample -> sample.entry().item)
                    .toList();
            float[] features = trainer.embedWithCurrent(ReplayItem.cleanBatch(items), n);
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

    /** Everything the learner knows as one versioned blob ({@link LearnerCodec}). */
    public byte[] snapshot() {
        return LearnerCodec.encode(fingerprint, state(trainer.snapshot()));
    }

    /**
     * What this rank of a data-parallel group knows beyond the trainer, which every rank holds the
     * same ({@link LearnerCodec#encodeRank}): its buffer, credit, counters and next batch.
     */
    public byte[] snapshotRank() {
        return LearnerCodec.encodeRank(fingerprint, state(new byte[0]));
    }

    private LearnerCodec.State state(byte[] trainerBlob) {
        List<LearnerCodec.NextImage> nextImages = new ArrayList<>();
        for (ReplayBuffer.Sample s : next == null ? List.<ReplayBuffer.Sample>of() : next.samples()) {
            ReplayItem item = s.entry().item;
            nextImages.add(new LearnerCodec.NextImage(
                    s.entry().seq, s.draw(), item.id(), item.eventTime(), item.label(), item.pixels()));
        }
        return new LearnerCodec.State(trainerBlob, buffer.encode(), credit, steps, replayed, nextImages);
    }

    /**
     * Restores rank {@code rank} of a group of {@code ranks} from the trainer blob that rank 0 saved
     * and every rank's {@link #snapshotRank} blob, by rank. Saved by a group of the same size, this
     * rank's blob is restored bitwise; by one of another size (a rescale), the ranks' buffers are
     * shared out anew ({@link ReplayBuffer#share}), so is their credit, and the next batch is drawn
     * again: the trainer carries over bit for bit, the global batch stays B. Refuses ranks saved at
     * different steps. Everything is decoded before anything changes.
     */
    public RestoreReport restoreGroup(byte[] trainerBlob, List<byte[]> rankBlobs, int rank, int ranks) {
        int pixels = channels * size * size;
        boolean sameSize = rankBlobs.size() == ranks;
        List<LearnerCodec.Decoded> decoded = new ArrayList<>();
        for (int r = 0; r < rankBlobs.size(); r++) {
            // Only this rank's own blob must be of its configuration (the others' seeds differ).
            decoded.add(LearnerCodec.decodeRank(
                    rankBlobs.get(r), sameSize && r == rank ? fingerprint : null, pixels, Integer.MAX_VALUE));
        }
        long groupSteps = decoded.get(0).state().steps();
        for (int r = 0; r < decoded.size(); r++) {
            if (decoded.get(r).state().steps() != groupSteps) {
                throw new IllegalStateException(
                        "the trainer group's ranks were saved at different steps: rank 0 at " + groupSteps + ", rank "
                                + r + " at " + decoded.get(r).state().steps());
            }
        }
        if (sameSize) {
            LearnerCodec.State s = decoded.get(rank).state();
            ReplayBuffer restoredBuffer = ReplayBuffer.decode(s.buffer(), config, channels, size);
            List<ReplayBuffer.Sample> restoredNext = samples(s.next(), restoredBuffer);
            RestoreReport model = trainer.restore(trainerBlob);
            restored(restoredBuffer, s.credit(), s.steps(), s.replayed(), restoredNext);
            Set<String> changed = new TreeSet<>(decoded.get(rank).changed());
            changed.addAll(model.reconfigured());
            return RestoreReport.verified(
                    "rank learner state",
                    rankBlobs.get(rank),
                    LearnerCodec.RANK_FORMAT_VERSION,
                    LearnerCodec.RANK_FORMAT_VERSION,
                    changed,
                    this::snapshotRank,
                    trainer.steps(),
                    trainer.lineage());
        }
        ReplayBuffer shared = ReplayBuffer.share(
                decoded.stream().map(d -> d.state().buffer()).toList(), config, channels, size, rank, ranks);
        double credit = decoded.stream().mapToDouble(d -> d.state().credit()).sum() / ranks;
        long replayedShare = ReplayConfig.share(
                decoded.stream().mapToLong(d -> d.state().replayed()).sum(), rank, ranks);
        RestoreReport model = trainer.restore(trainerBlob);
        restored(shared, credit, groupSteps, replayedShare, List.of());
        Set<String> changed = new TreeSet<>(model.reconfigured());
        changed.add("trainer_parallelism");
        return new RestoreReport(
                RestoreReport.Kind.RECONFIGURED,
                LearnerCodec.RANK_FORMAT_VERSION,
                changed,
                trainer.steps(),
                trainer.lineage());
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
     * Restores a {@link #snapshot} blob, or a bare trainer blob (written by Oxbow versions before
     * the replay buffer): then the trainer is restored and the learner starts with an empty buffer,
     * no credit and zero counters. Refuses a newer format, a corrupt blob or one of another
     * configuration (fields outside {@link LearnerCodec#MAY_CHANGE} and the trainer's), and reads
     * the whole blob, the trainer's part included, before changing anything. A bitwise restore is
     * verified by re-encoding.
     */
    public RestoreReport restore(byte[] state) {
        if (OlderFormats.isBareTrainer(state)) {
            RestoreReport report = trainer.restore(state);
            restored(new ReplayBuffer(config, channels, size), 0, 0, 0, List.of());
            return report;
        }
        LearnerCodec.Decoded d = LearnerCodec.decode(state, fingerprint, channels * size * size, config.batch());
        LearnerCodec.State s = d.state();
        ReplayBuffer restoredBuffer = ReplayBuffer.decode(s.buffer(), config, channels, size);
        List<ReplayBuffer.Sample> restoredNext = samples(s.next(), restoredBuffer);
        Set<String> changed = new TreeSet<>(d.changed());
        changed.addAll(trainer.restore(s.trainer()).reconfigured());
        restored(restoredBuffer, s.credit(), s.steps(), s.replayed(), restoredNext);
        return RestoreReport.verified(
                "learner state",
                state,
                d.format(),
                LearnerCodec.FORMAT_VERSION,
                changed,
                this::snapshot,
                trainer.steps(),
                trainer.lineage());
    }

    /** The next step's batch: buffer entries where still present, else the stored image (evicted since). */
    private static List<ReplayBuffer.Sample> samples(List<LearnerCodec.NextImage> next, ReplayBuffer restoredBuffer) {
        List<ReplayBuffer.Sample> samples = new ArrayList<>(next.size());
        for (LearnerCodec.NextImage image : next) {
            ReplayEntry entry = restoredBuffer.find(image.seq());
            if (entry == null) {
                entry = new ReplayEntry(
                        new ReplayItem(image.id(), image.eventTime(), image.label(), image.pixels()), image.seq());
                entry.evicted = true;
            } else if (!entry.item.id().equals(image.id())) {
                throw new CorruptStateException("corrupt learner state: next batch image " + image.seq() + " is "
                        + image.id() + " but the buffer holds " + entry.item.id());
            }
            samples.add(new ReplayBuffer.Sample(entry, image.draw()));
        }
        return samples;
    }

    private void restored(
            ReplayBuffer restoredBuffer,
            double restoredCredit,
            long restoredSteps,
            long restoredReplayed,
            List<ReplayBuffer.Sample> restoredNext) {
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
