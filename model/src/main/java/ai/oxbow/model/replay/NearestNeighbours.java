package ai.oxbow.model.replay;

import java.util.List;

/**
 * MinRed's bookkeeping: every entry knows its nearest other entry by cosine similarity of
 * l2-normalised features. Kept incrementally, so that admitting, evicting or refreshing one
 * entry costs one pass over the buffer (O(N·d)) plus a full search only for the entries whose
 * neighbour left or moved away (one on average: each entry has one neighbour), instead of the
 * O(N²·d) of recomputing all pairs.
 *
 * <p>Similarities are exact (the same dot product a full search computes), so the eviction
 * choice, which depends only on them, equals a brute-force one; among exactly tied neighbours
 * the one kept may differ, which does not change any similarity.
 */
final class NearestNeighbours {
    private NearestNeighbours() {}

    /** After {@code added} was appended to {@code entries}: gives it its feature and neighbour. */
    static void added(List<ReplayEntry> entries, ReplayEntry added, float[] feature) {
        added.feature = normalised(feature);
        added.neighbour = null;
        added.neighbourSimilarity = Float.NEGATIVE_INFINITY;
        for (ReplayEntry other : entries) {
            if (other != added) {
                float s = cosine(added.feature, other.feature);
                offer(added, other, s);
                offer(other, added, s);
            }
        }
    }

    /** After {@code removed} left {@code entries}: only those that had it as neighbour search again. */
    static void removed(List<ReplayEntry> entries, ReplayEntry removed) {
        for (ReplayEntry e : entries) {
            if (e.neighbour == removed) {
                search(entries, e);
            }
        }
    }

    /** Gives {@code changed} a new feature and repairs every neighbour it affects. */
    static void changed(List<ReplayEntry> entries, ReplayEntry changed, float[] feature) {
        changed.feature = normalised(feature);
        changed.neighbour = null;
        changed.neighbourSimilarity = Float.NEGATIVE_INFINITY;
        for (ReplayEntry other : entries) {
            if (other == changed) {
                continue;
            }
            float s = cosine(changed.feature, other.feature);
            offer(changed, other, s);
            if (other.neighbour != changed) {
                offer(other, changed, s);
            } else if (s >= other.neighbourSimilarity) {
                other.neighbourSimilarity = s;
            } else {
                search(entries, other);
            }
        }
    }

    /** The entry most similar to its nearest neighbour (the first of ties: the oldest). */
    static ReplayEntry mostRedundant(List<ReplayEntry> entries) {
        ReplayEntry best = entries.get(0);
        for (ReplayEntry e : entries) {
            if (e.neighbourSimilarity > best.neighbourSimilarity) {
                best = e;
            }
        }
        return best;
    }

    /** Full search for {@code e}'s nearest neighbour. */
    static void search(List<ReplayEntry> entries, ReplayEntry e) {
        e.neighbour = null;
        e.neighbourSimilarity = Float.NEGATIVE_INFINITY;
        for (ReplayEntry other : entries) {
            if (other != e) {
                offer(e, other, cosine(e.feature, other.feature));
            }
        }
    }

    private static void offer(ReplayEntry e, ReplayEntry candidate, float similarity) {
        if (similarity > e.neighbourSimilarity) {
            e.neighbourSimilarity = similarity;
            e.neighbour = candidate;
        }
    }

    static float[] normalised(float[] feature) {
        double sum = 0;
        for (float v : feature) {
            sum += (double) v * v;
        }
        float inv = sum > 0 ? (float) (1 / Math.sqrt(sum)) : 0f;
        float[] out = new float[feature.length];
        for (int i = 0; i < feature.length; i++) {
            out[i] = feature[i] * inv;
        }
        return out;
    }

    /**
     * Dot product of normalised features. Four accumulators let the JIT pipeline the sum (it may
     * not reorder float additions itself); the order is fixed, so cosine(a, b) == cosine(b, a).
     */
    static float cosine(float[] a, float[] b) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
