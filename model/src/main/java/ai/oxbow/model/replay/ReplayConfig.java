package ai.oxbow.model.replay;

import java.io.Serializable;
import java.util.List;

/**
 * How a {@link StreamLearner} keeps and replays images. Serializable so that it travels with
 * the Flink job graph.
 *
 * @param policy          which image leaves a full buffer: {@code fifo} (the oldest),
 *                        {@code reservoir} (Vitter's algorithm R: a uniform sample of the whole
 *                        stream) or {@code minred} (the most redundant; Purushwalkam et al. 2022)
 * @param capacity        images the buffer holds
 * @param updatesPerEvent u: each event earns u sample-uses; a training step of B images spends B,
 *                        so the learner takes u / B steps per event on average
 * @param newFraction     share of each batch taken from the newest images not trained yet; the
 *                        rest is drawn uniformly from the whole buffer
 * @param batch           images per training step (B)
 * @param seed            seeds every random draw of the buffer (with a counter kept in its state)
 */
public record ReplayConfig(
        String policy, int capacity, double updatesPerEvent, double newFraction, int batch, long seed)
        implements Serializable {
    public static final List<String> POLICIES = List.of("fifo", "reservoir", "minred");

    /**
     * The new fraction by default: half of each batch. This is experience replay's batch of
     * online continual learning (the incoming batch plus a replay batch of the same size;
     * Chaudhry et al. 2019, "On Tiny Episodic Memories in Continual Learning"). From u = 2 on,
     * B / u ≤ B / 2 events arrive per step, so every event is trained at least once while it is
     * new, and the other half stays a uniform draw over the buffer, which is what breaks the
     * temporal correlation of a non-i.i.d. stream.
     */
    public static final double DEFAULT_NEW_FRACTION = 0.5;

    public ReplayConfig {
        if (!POLICIES.contains(policy)) {
            throw new IllegalArgumentException("replay policy must be one of " + POLICIES + ", got '" + policy + "'");
        }
        if (capacity < 2) {
            throw new IllegalArgumentException(
                    "replay capacity must be at least 2 images (a step needs two), got " + capacity);
        }
        if (!(updatesPerEvent > 0) || Double.isInfinite(updatesPerEvent)) {
            throw new IllegalArgumentException("updates per event must be a positive number, got " + updatesPerEvent);
        }
        if (!(newFraction >= 0 && newFraction <= 1)) {
            throw new IllegalArgumentException("new fraction must be in [0, 1], got " + newFraction);
        }
        if (batch < 2) {
            throw new IllegalArgumentException(
                    "replay batch must be at least 2 (BatchNorm needs two samples), got " + batch);
        }
    }

    /**
     * A reservoir of 4096 images (a uniform sample of everything seen, at no extra encoder
     * passes, unlike MinRed) and four updates per event: in the measured table (docs/replay.md)
     * u = 4 beat u = 1 by 2 to 4 kNN points for every method, policy and order, and reservoir was
     * the best or within noise of the best policy on class-sequential streams.
     */
    /**
     * One rank's part of a data-parallel group of {@code ranks}: B / N images per step and an N-th
     * of the capacity (so the group holds the configured total), and a seed of its own (rank 0
     * keeps the configured one, so one rank is this configuration itself).
     */
    public ReplayConfig forRank(int rank, int ranks) {
        if (batch % ranks != 0) {
            throw new IllegalArgumentException("--batch " + batch + " is not divisible by --trainer-parallelism "
                    + ranks + ": each of the " + ranks + " trainers trains batch / " + ranks + " images per step");
        }
        return new ReplayConfig(
                policy,
                share(capacity, rank, ranks),
                updatesPerEvent,
                newFraction,
                batch / ranks,
                seed + rank * 0x9E3779B97F4A7C15L);
    }

    /** Rank r's share of n things dealt out one by one to N ranks. */
    public static long share(long n, int rank, int ranks) {
        return n / ranks + (rank < n % ranks ? 1 : 0);
    }

    private static int share(int n, int rank, int ranks) {
        return (int) share((long) n, rank, ranks);
    }

    public static ReplayConfig defaults(int batch) {
        return new ReplayConfig("reservoir", 4096, 4, DEFAULT_NEW_FRACTION, batch, 42);
    }
}
