package ai.oxbow.model.replay;

import ai.oxbow.model.state.ReplayBufferCodec;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A bounded buffer of stream images for replay, with three policies for what leaves it:
 *
 * <ul>
 *   <li>{@code fifo}: the oldest image.
 *   <li>{@code reservoir}: Vitter's algorithm R over every event offered: the t-th event enters
 *       a full buffer with probability capacity / t and replaces a uniformly chosen image, so the
 *       buffer is a uniform sample of the whole stream.
 *   <li>{@code minred}: minimum redundancy (Purushwalkam, Morgado and Gupta, "The Challenges of
 *       Continuous Self-Supervised Learning", ECCV 2022). Every event enters; while the buffer is
 *       over capacity, the image whose feature is most similar (cosine) to its nearest neighbour
 *       in the buffer leaves, one at a time, as the authors' code does. Where Oxbow differs: the
 *       authors keep a Polyak average (0.5) of the training views' features, known only after an
 *       image was trained on, and evict only trained images (the oldest while too few are);
 *       here the feature is the current encoder's feature of the clean image, computed at
 *       admission and replaced each time the image is trained on, so every image can be compared
 *       from the start and a near-duplicate can leave before it costs a step.
 * </ul>
 *
 * <p>Images are kept in admission order. Every random draw comes from a SplittableRandom seeded
 * by the config's seed and a draw counter that is part of the state, so a restored buffer draws
 * exactly what the original would have. Not thread-safe.
 */
public final class ReplayBuffer {
    final ReplayConfig config;
    final int channels;
    final int size;
    final boolean minred;
    /** In admission order (oldest first). */
    final List<ReplayEntry> entries = new ArrayList<>();

    long offered;
    long admitted;
    long evicted;
    long rejected;
    long draws;

    public ReplayBuffer(ReplayConfig config, int channels, int size) {
        this.config = config;
        this.channels = channels;
        this.size = size;
        this.minred = config.policy().equals("minred");
    }

    /** Whether the policy needs a feature vector with every image ({@link #add}). */
    public boolean needsFeatures() {
        return minred;
    }

    /**
     * Offers the next event of the stream.
     *
     * @param feature the current encoder's feature of the clean image for {@code minred}; null otherwise
     * @return whether the image entered the buffer (it may still be the one MinRed evicts)
     */
    public boolean add(ReplayItem item, float[] feature) {
        checkShape(item);
        if (minred != (feature != null)) {
            throw new IllegalArgumentException(
                    minred
                            ? "minred needs a feature vector with every image"
                            : config.policy() + " takes no feature vector");
        }
        if (minred && !entries.isEmpty() && entries.get(0).feature.length != feature.length) {
            throw new IllegalArgumentException(
                    "feature of " + feature.length + " values, the buffer holds " + entries.get(0).feature.length);
        }
        ReplayEntry entry = new ReplayEntry(item, offered++);
        switch (config.policy()) {
            case "fifo" -> {
                append(entry);
                if (entries.size() > config.capacity()) {
                    entries.remove(0).evicted = true;
                    evicted++;
                }
            }
            case "reservoir" -> {
                if (entries.size() < config.capacity()) {
                    append(entry);
                } else {
                    long slot = random().nextLong(offered);
                    if (slot >= config.capacity()) {
                        rejected++;
                        return false;
                    }
                    // Removing the slot and appending keeps admission order; which image sits in
                    // which slot does not matter to a uniform choice.
                    entries.remove((int) slot).evicted = true;
                    evicted++;
                    append(entry);
                }
            }
            default -> {
                append(entry);
                NearestNeighbours.added(entries, entry, feature);
                while (entries.size() > config.capacity()) {
                    ReplayEntry redundant = NearestNeighbours.mostRedundant(entries);
                    entries.remove(redundant);
                    redundant.evicted = true;
                    NearestNeighbours.removed(entries, redundant);
                    evicted++;
                }
            }
        }
        return true;
    }

    void checkShape(ReplayItem item) {
        if (item.pixels().length != channels * size * size) {
            throw new IllegalArgumentException("replay item " + item.id() + " has " + item.pixels().length
                    + " bytes, expected " + channels + "x" + size + "x" + size + " (uint8 CHW)");
        }
    }

    private void append(ReplayEntry entry) {
        entries.add(entry);
        admitted++;
    }

    /** An image of a sampled batch and the draw its views use: its use count when it was sampled. */
    record Sample(ReplayEntry entry, int draw) {}

    /**
     * The images of one training step: min(batch, size) distinct images, the newest unsampled
     * ones first (up to newFraction of them), the rest uniformly without replacement from the
     * remaining buffer. Sampling counts as a use, so a batch sampled ahead of the step it is
     * for is already excluded from the next batch's new images.
     */
    List<Sample> sample() {
        int n = Math.min(config.batch(), entries.size());
        int fresh = (int) Math.round(config.newFraction() * n);
        List<ReplayEntry> batch = new ArrayList<>(n);
        boolean[] taken = new boolean[entries.size()];
        for (int i = entries.size() - 1; i >= 0 && batch.size() < fresh; i--) {
            if (entries.get(i).uses == 0) {
                batch.add(entries.get(i));
                taken[i] = true;
            }
        }
        int[] rest = new int[entries.size() - batch.size()];
        int m = 0;
        for (int i = 0; i < taken.length; i++) {
            if (!taken[i]) {
                rest[m++] = i;
            }
        }
        SplittableRandom random = random();
        for (int i = 0; batch.size() < n; i++) {
            int j = i + random.nextInt(rest.length - i);
            int pick = rest[j];
            rest[j] = rest[i];
            batch.add(entries.get(pick));
        }
        List<Sample> samples = new ArrayList<>(n);
        for (ReplayEntry e : batch) {
            samples.add(new Sample(e, e.uses++));
        }
        return samples;
    }

    /** MinRed: a step trained on {@code entry}, which takes its new feature if it is still here. */
    void trained(ReplayEntry entry, float[] feature) {
        if (!entry.evicted) {
            NearestNeighbours.changed(entries, entry, feature);
        }
    }

    /** The entry admitted as the {@code seq}-th event, or null if it has left the buffer. */
    ReplayEntry find(long seq) {
        int lo = 0;
        int hi = entries.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long s = entries.get(mid).seq;
            if (s == seq) {
                return entries.get(mid);
            } else if (s < seq) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return null;
    }

    /** A fresh generator for the next draw: a pure function of (seed, draw counter). */
    private SplittableRandom random() {
        long z = config.seed() * 0x9E3779B97F4A7C15L + draws++ * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
        return new SplittableRandom(z ^ (z >>> 29));
    }

    public int size() {
        return entries.size();
    }

    /** Events offered to the buffer. */
    public long offered() {
        return offered;
    }

    /** Events that entered the buffer. */
    public long admitted() {
        return admitted;
    }

    /** Images that left the buffer to make room. */
    public long evicted() {
        return evicted;
    }

    /** Events the reservoir turned away. */
    public long rejected() {
        return rejected;
    }

    /** Mean number of training steps that used each image now in the buffer. */
    public double meanUses() {
        long sum = 0;
        for (ReplayEntry e : entries) {
            sum += e.uses;
        }
        return entries.isEmpty() ? 0 : (double) sum / entries.size();
    }

    /** The whole buffer as a versioned binary blob (see {@link ReplayBufferCodec}). */
    public byte[] encode() {
        int dim = minred && !entries.isEmpty() ? entries.get(0).feature.length : 0;
        Map<ReplayEntry, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            index.put(entries.get(i), i);
        }
        List<ReplayBufferCodec.Image> images = new ArrayList<>(entries.size());
        for (ReplayEntry e : entries) {
            images.add(new ReplayBufferCodec.Image(
                    e.item.id(),
                    e.item.eventTime(),
                    e.item.label(),
                    e.seq,
                    e.uses,
                    e.item.pixels(),
                    e.feature,
                    e.neighbourSimilarity,
                    e.neighbour == null ? -1 : index.get(e.neighbour)));
        }
        return ReplayBufferCodec.encode(new ReplayBufferCodec.State(
                config.policy(),
                config.capacity(),
                channels,
                size,
                offered,
                admitted,
                evicted,
                rejected,
                draws,
                dim,
                images));
    }

    /**
     * A buffer from {@link #encode}'s blob, for this config and trainer input shape: the decoded
     * buffer continues exactly as the encoded one would have. Refuses a buffer of another policy,
     * capacity or input shape, saying which.
     */
    public static ReplayBuffer decode(byte[] blob, ReplayConfig config, int channels, int size) {
        ReplayBufferCodec.State s = ReplayBufferCodec.decode(blob);
        String expected = ReplayBufferCodec.shape(config.policy(), config.capacity(), channels, size);
        if (!s.shape().equals(expected)) {
            throw new IllegalArgumentException("replay buffer is " + s.shape() + " but this one is " + expected);
        }
        ReplayBuffer buffer = new ReplayBuffer(config, channels, size);
        buffer.offered = s.offered();
        buffer.admitted = s.admitted();
        buffer.evicted = s.evicted();
        buffer.rejected = s.rejected();
        buffer.draws = s.draws();
        for (ReplayBufferCodec.Image image : s.images()) {
            ReplayEntry e = new ReplayEntry(
                    new ReplayItem(image.id(), image.eventTime(), image.label(), image.pixels()), image.seq());
            e.uses = image.uses();
            e.feature = image.feature();
            e.neighbourSimilarity = image.neighbourSimilarity();
            buffer.entries.add(e);
        }
        for (int i = 0; i < s.images().size(); i++) {
            int neighbour = s.images().get(i).neighbour();
            buffer.entries.get(i).neighbour = neighbour < 0 ? null : buffer.entries.get(neighbour);
        }
        return buffer;
    }

    /**
     * Rank {@code rank}'s share of the buffers of a group of another size (a rescale): the images
     * of all of them, interleaved position by position (so roughly in stream order), dealt out to
     * the ranks one by one, the newest up to this buffer's capacity kept; the counters shared out
     * alike. MinRed's neighbours are found again among the images kept.
     */
    static ReplayBuffer share(
            List<byte[]> groupBuffers, ReplayConfig config, int channels, int size, int rank, int ranks) {
        List<ReplayBufferCodec.State> olds =
                groupBuffers.stream().map(ReplayBufferCodec::decode).toList();
        List<ReplayBufferCodec.Image> merged = new ArrayList<>();
        int longest = olds.stream().mapToInt(o -> o.images().size()).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (ReplayBufferCodec.State old : olds) {
                if (i < old.images().size()) {
                    merged.add(old.images().get(i));
                }
            }
        }
        List<ReplayBufferCodec.Image> mine = new ArrayList<>();
        for (int i = rank; i < merged.size(); i += ranks) {
            mine.add(merged.get(i));
        }
        mine = mine.subList(Math.max(0, mine.size() - config.capacity()), mine.size());
        ReplayBuffer buffer = new ReplayBuffer(config, channels, size);
        for (ReplayBufferCodec.Image image : mine) {
            ReplayEntry e = new ReplayEntry(
                    new ReplayItem(image.id(), image.eventTime(), image.label(), image.pixels()),
                    buffer.entries.size());
            e.uses = image.uses();
            buffer.entries.add(e);
            if (buffer.minred) {
                NearestNeighbours.added(buffer.entries, e, image.feature());
            }
        }
        buffer.offered = Math.max(
                ReplayConfig.share(
                        olds.stream()
                                .mapToLong(ReplayBufferCodec.State::offered)
                                .sum(),
                        rank,
                        ranks),
                buffer.entries.size());
        buffer.admitted = Math.max(
                ReplayConfig.share(
                        olds.stream()
                                .mapToLong(ReplayBufferCodec.State::admitted)
                                .sum(),
                        rank,
                        ranks),
                buffer.entries.size());
        buffer.evicted = ReplayConfig.share(
                olds.stream().mapToLong(ReplayBufferCodec.State::evicted).sum(), rank, ranks);
        buffer.rejected = ReplayConfig.share(
                olds.stream().mapToLong(ReplayBufferCodec.State::rejected).sum(), rank, ranks);
        buffer.draws = ReplayConfig.share(
                olds.stream().mapToLong(ReplayBufferCodec.State::draws).sum(), rank, ranks);
        return buffer;
    }
}
