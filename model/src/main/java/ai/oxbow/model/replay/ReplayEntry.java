package ai.oxbow.model.replay;

/** One buffered image and what the buffer knows about it. */
final class ReplayEntry {
    final ReplayItem item;
    /** Admission order over the whole stream: the buffer's list is sorted by it. */
    final long seq;
    /** Training steps that used the image; the next step draws views number {@code uses}. */
    int uses;
    /** MinRed only: l2-normalised features, the nearest other entry and the cosine to it. */
    float[] feature;
    ReplayEntry neighbour;
    float neighbourSimilarity = Float.NEGATIVE_INFINITY;

    ReplayEntry(ReplayItem item, long seq) {
        this.item = item;
        this.seq = seq;
    }
}
