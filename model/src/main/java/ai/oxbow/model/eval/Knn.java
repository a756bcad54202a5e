package ai.oxbow.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.nd.Tensors;

/**
 * Weighted k-nearest-neighbour classification (Wu et al., 2018), the standard SSL probe:
 * cosine similarity, the k most similar memory items vote with weight exp(sim / t).
 * Labels are used here only; they never reach a loss.
 */
public final class Knn {
    public static final int K = 20;
    public static final float TEMPERATURE = 0.07f;

    private Knn() {}

    /** Top-1 accuracy of the test items against the memory items (rows of length dim). */
    public static double top1(
            float[] memory, int[] memoryLabels, float[] test, int[] testLabels, int dim, int classes) {
        long[] predicted = predict(memory, memoryLabels, test, dim, classes);
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == testLabels[i]) {
                correct++;
            }
        }
        return (double) correct / testLabels.length;
    }

    /** The predicted class of each test row. */
    public static long[] predict(float[] memory, int[] memoryLabels, float[] test, int dim, int classes) {
        int count = test.length / dim;
        long[] out = new long[count];
        int chunk = 256;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray mem = Tensors.l2Normalize(manager.create(memory, new Shape(memoryLabels.length, dim)));
            NDArray memOneHot = manager.create(memoryLabels).oneHot(classes, DataType.FLOAT32);
            for (int start = 0; start < count; start += chunk) {
                int n = Math.min(chunk, count - start);
                try (NDManager step = manager.newSubManager()) {
                    float[] rows = new float[n * dim];
                    System.arraycopy(test, start * dim, rows, 0, n * dim);
                    NDArray q = Tensors.l2Normalize(step.create(rows, new Shape(n, dim)));
                    NDList top = q.matMul(mem.transpose()).topK(Math.min(K, memoryLabels.length), 1, true, false);
                    NDArray weights = top.get(0).div(TEMPERATURE).exp();
                    NDArray votes = memOneHot
                            .get(new NDIndex("{}", top.get(1).flatten()))
                            .reshape(n, -1, classes)
                            .mul(weights.expandDims(2))
                            .sum(new int[] {1});
                    System.arraycopy(votes.argMax(1).toLongArray(), 0, out, start, n);
                }
            }
        }
        return out;
    }
}
