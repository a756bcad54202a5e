package ai.oxbow.model.eval;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * kNN accuracy on the labelled events of the stream, test-then-train: each labelled embedding
 * is first classified against a FIFO memory of earlier labelled embeddings, then added to it.
 * Labels never reach a loss. Memory rows were made by older encoder versions (as solo-learn's
 * online kNN); the figure tracks learning, the offline probe of `demo` measures it.
 */
public final class OnlineKnn {
    private final int dim;
    private final int classes;
    private final int memorySize;
    private final int window;
    private final Deque<float[]> rows = new ArrayDeque<>();
    private final Deque<Integer> labels = new ArrayDeque<>();
    private final Deque<Boolean> hits = new ArrayDeque<>();
    private int hitCount;

    /** @param window how many recent predictions the accuracy covers */
    public OnlineKnn(int dim, int classes, int memorySize, int window) {
        this.dim = dim;
        this.classes = classes;
        this.memorySize = memorySize;
        this.window = window;
    }

    /** Classifies the labelled rows (label < 0 = unlabelled, skipped), then remembers them. */
    public void observe(float[] embeddings, int[] rowLabels) {
        int labelled = 0;
        for (int l : rowLabels) {
            if (l >= 0 && l < classes) {
                labelled++;
            }
        }
        if (labelled == 0) {
            return;
        }
        float[] test = new float[labelled * dim];
        int[] truth = new int[labelled];
        for (int i = 0, j = 0; i < rowLabels.length; i++) {
            if (rowLabels[i] >= 0 && rowLabels[i] < classes) {
                System.arraycopy(embeddings, i * dim, test, j * dim, dim);
                truth[j++] = rowLabels[i];
            }
        }
        if (!rows.isEmpty()) {
            float[] memory = new float[rows.size() * dim];
            int[] memoryLabels = new int[rows.size()];
            int k = 0;
            for (float[] r : rows) {
                System.arraycopy(r, 0, memory, k * dim, dim);
                k++;
            }
            k = 0;
            for (int l : labels) {
                memoryLabels[k++] = l;
            }
            long[] predicted = Knn.predict(memory, memoryLabels, test, dim, classes);
            for (int i = 0; i < predicted.length; i++) {
                record(predicted[i] == truth[i]);
            }
        }
        for (int i = 0; i < truth.length; i++) {
            float[] row = new float[dim];
            System.arraycopy(test, i * dim, row, 0, dim);
            rows.addLast(row);
            labels.addLast(truth[i]);
            if (rows.size() > memorySize) {
                rows.removeFirst();
                labels.removeFirst();
            }
        }
    }

    private void record(boolean hit) {
        hits.addLast(hit);
        hitCount += hit ? 1 : 0;
        if (hits.size() > window) {
            hitCount -= hits.removeFirst() ? 1 : 0;
        }
    }

    /** Accuracy over the last window predictions, NaN before the first one. */
    public double top1() {
        return hits.isEmpty() ? Double.NaN : (double) hitCount / hits.size();
    }
}
