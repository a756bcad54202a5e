package ai.oxbow.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class KnnTest {
    @Test
    void weightedVoteFollowsTheNearestNeighbours() {
        // Memory: class 0 along +x, class 1 along +y (25 each, slightly spread).
        int n = 50;
        float[] memory = new float[n * 2];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            float jitter = 0.01f * (i / 2);
            memory[2 * i] = labels[i] == 0 ? 1 : jitter;
            memory[2 * i + 1] = labels[i] == 0 ? jitter : 1;
        }
        float[] test = {2, 0.1f, 0.1f, 3, 1, 0.9f};
        int[] truth = {0, 1, 0};
        assertEquals(1.0, Knn.top1(memory, labels, test, truth, 2, 2), 1e-9);
        int[] wrong = {1, 0, 1};
        assertEquals(0.0, Knn.top1(memory, labels, test, wrong, 2, 2), 1e-9);
    }
}
