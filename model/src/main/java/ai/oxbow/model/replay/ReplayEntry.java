package ai.oxbow.model.replay;

/** One buffered image and what the buffer knows about it. */
final class ReplayEntry {
    final ReplayItem item;
    /** Admission order over the whole stream: the buffer's list is sorted by it. */
    final long seq;
    /** Batches the image was sampled into; the next one draws views number {@code uses}. */
    int uses;
    /** Whether it has left the buffer (a batch sampled before may still train on it). */
    boolean evicted;
    /** MinRed only: l2-normalised features, the nearest other entry and the cosine to it. */
    float[] feature;

    ReplayEntry neighbour;
    float neighbourSimilarity = Float.NEGATIVE_INFINITY;

    ReplayEntry(ReplayItem item, long seq) {
        this.item = item;
        this.seq = seq;
    }
}
