package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** Sinkhorn-Knopp against the reference algorithm written out in doubles, and its marginals. */
class SinkhornKnoppTest {
    /** 4 samples x 3 prototypes, cosine-like scores. */
    static final double[][] SCORES = {{0.9, 0.1, -0.3}, {0.8, 0.2, 0.0}, {0.7, -0.5, 0.4}, {0.6, 0.3, -0.2}};

    /**
     * main_swav.py distributed_sinkhorn on one process: Q = exp(S / eps)^T (K x B); Q /= sum(Q);
     * repeat: each row /= its sum and /= K, each column /= its sum and /= B; return (B Q)^T.
     */
    static double[][] reference(double[][] scores, double epsilon, int iterations) {
        int b = scores.length;
        int k = scores[0].length;
        double[][] q = new double[k][b];
        double total = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                q[j][i] = Math.exp(scores[i][j] / epsilon);
                total += q[j][i];
            }
        }
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < b; i++) {
                q[j][i] /= total;
            }
        }
        for (int it = 0; it < iterations; it++) {
            for (int j = 0; j < k; j++) {
                double row = 0;
                for (int i = 0; i < b; i++) {
                    row += q[j][i];
                }
                for (int i = 0; i < b; i++) {
                    q[j][i] /= row * k;
                }
            }
            for (int i = 0; i < b; i++) {
                double column = 0;
                for (int j = 0; j < k; j++) {
                    column += q[j][i];
                }
                for (int j = 0; j < k; j++) {
                    q[j][i] /= column * b;
                }
            }
        }
        double[][] codes = new double[b][k];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                codes[i][j] = q[j][i] * b;
            }
        }
        return codes;
    }

    @Test
    void matchesTheReferenceWithThePaperSettings() {
        double[][] want = reference(SCORES, 0.05, 3);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float[] got = SinkhornKnopp.codes(Rows.create(m, SCORES), 0.05f, 3).toFloatArray();
            int k = SCORES[0].length;
            for (int i = 0; i < SCORES.length; i++) {
                for (int j = 0; j < k; j++) {
                    assertEquals(want[i][j], got[i * k + j], 1e-5, "code[" + i + "][" + j + "]");
                }
            }
        }
    }

    @Test
    void eachSampleCodeSumsToOneAndEachPrototypeGetsBOverK() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // The last rescaling is over samples: each code sums to 1 after any number of iterations.
            assertSampleSums(
                    SinkhornKnopp.codes(Rows.create(m, SCORES), 0.05f, 3).toFloatArray());
            // The prototype marginal B/K is reached as the iterations converge.
            float[] converged =
                    SinkhornKnopp.codes(Rows.create(m, SCORES), 0.5f, 500).toFloatArray();
            assertSampleSums(converged);
            int b = SCORES.length;
            int k = SCORES[0].length;
            for (int j = 0; j < k; j++) {
                double total = 0;
                for (int i = 0; i < b; i++) {
                    total += converged[i * k + j];
                }
                assertEquals((double) b / k, total, 1e-4, "mass of prototype " + j);
            }
        }
    }

    private static void assertSampleSums(float[] codes) {
        int k = SCORES[0].length;
        for (int i = 0; i < SCORES.length; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += codes[i * k + j];
            }
            assertEquals(1, sum, 1e-5, "code of sample " + i);
        }
    }
}
