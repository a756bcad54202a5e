package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Mean Shift's loss against the formula in doubles: neighbours are the target's, not the prediction's. */
class MeanShiftLossTest {
    static final double S = Math.sqrt(0.5);
    /** Unit vectors on the circle. */
    static final double[][] BANK = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}, {S, S}};

    static final double[][] TARGET = {{0.8, 0.6}, {-0.6, -0.8}};
    /** Predictions point elsewhere, so neighbours chosen by them would differ. */
    static final double[][] PREDICTION = {{-0.6, 0.8}, {1, 0}};

    static final int K = 2;

    /** Indices of the K bank rows with the largest cosine to t (written out as a selection). */
    static int[] nearest(double[] t) {
        int[] best = new int[K];
        boolean[] taken = new boolean[BANK.length];
        for (int r = 0; r < K; r++) {
            int arg = -1;
            for (int j = 0; j < BANK.length; j++) {
                if (!taken[j] && (arg < 0 || Rows.dot(t, BANK[j]) > Rows.dot(t, BANK[arg]))) {
                    arg = j;
                }
            }
            taken[arg] = true;
            best[r] = arg;
        }
        return best;
    }

    @Test
    void matchesTheFormulaAndOnlyThePredictionGetsGradient() {
        int n = PREDICTION.length;
        // L = mean_i (1/K) sum_{m in NN_K(t_i)} ||p_i - m||^2; dL/dp_i = -(2 / (N K)) sum_m m.
        double want = 0;
        double[][] grad = new double[n][2];
        for (int i = 0; i < n; i++) {
            for (int j : nearest(TARGET[i])) {
                double dx = PREDICTION[i][0] - BANK[j][0];
                double dy = PREDICTION[i][1] - BANK[j][1];
                want += (dx * dx + dy * dy) / (n * K);
                grad[i][0] -= 2 * BANK[j][0] / (n * K);
                grad[i][1] -= 2 * BANK[j][1] / (n * K);
            }
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray p = Rows.create(m, PREDICTION);
            NDArray t = Rows.create(m, TARGET);
            NDArray bank = Rows.create(m, BANK);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = MeanShiftLoss.loss(List.of(p), t, bank, K);
                assertEquals(want, loss.getFloat(), 1e-5);
                gc.backward(loss);
            }
            Rows.assertGradient(grad, p, "dL/dp");
            assertArrayEquals(new float[n * 2], t.getGradient().toFloatArray(), "the target is stop-gradient");
            assertArrayEquals(
                    new float[BANK.length * 2], bank.getGradient().toFloatArray(), "the bank is stop-gradient");
        }
    }

    /**
     * One query view's loss: mean_i (1/K) sum_{m in NN_K(t_i)} (2 - 2 p_i . m), the squared
     * distance ||p_i - m||^2 of unit vectors as the official code writes it.
     */
    static double queryLoss(double[][] p) {
        double loss = 0;
        for (int i = 0; i < p.length; i++) {
            for (int j : nearest(TARGET[i])) {
                loss += (2 - 2 * Rows.dot(p[i], BANK[j])) / (p.length * K);
            }
        }
        return loss;
    }

    @Test
    void severalQueryViewsArePulledToTheSameNeighboursAndAveraged() {
        double[][][] queries = {PREDICTION, {{0.6, 0.8}, {0, -1}}, {{-S, S}, {S, -S}}};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray t = Rows.create(m, TARGET);
            NDArray bank = Rows.create(m, BANK);
            MultiView.check(
                    queries,
                    q -> (queryLoss(q[0]) + queryLoss(q[1]) + queryLoss(q[2])) / 3,
                    q -> MeanShiftLoss.loss(q, t, bank, K),
                    Set.of(),
                    1e-5);
        }
    }
}
