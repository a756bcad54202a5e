package ai.oxbow.model.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Clustering accuracy, NMI, ARI against hand-computed and brute-force values; k-means on separated blobs. */
class ClusteringTest {

    @Test
    void aRelabelledPerfectClusteringScoresOne() {
        int[] labels = {0, 0, 1, 1, 2, 2};
        int[] clusters = {2, 2, 0, 0, 1, 1};
        assertEquals(1, Clustering.accuracy(clusters, labels, 3), 1e-12);
        assertEquals(1, Clustering.nmi(clusters, labels, 3, 3), 1e-12);
        assertEquals(1, Clustering.ari(clusters, labels, 3, 3), 1e-12);
    }

    @Test
    void nmiAndAriMatchHandComputedValues() {
        // U = {0,0,1,1}, V = {0,0,1,2}: I = ln 2, H(U) = ln 2, H(V) = 1.5 ln 2, NMI = ln 2 / (1.25 ln 2) = 0.8.
        int[] u = {0, 0, 1, 1};
        int[] v = {0, 0, 1, 2};
        assertEquals(0.8, Clustering.nmi(u, v, 2, 3), 1e-12);
        // Pairs: index 1; a = 2, b = 1; E = 2 * 1 / 6; max = 1.5: (1 - 1/3) / (1.5 - 1/3) = 4/7.
        assertEquals(4.0 / 7, Clustering.ari(u, v, 2, 3), 1e-12);
        assertEquals(0, Clustering.nmi(new int[] {0, 0, 0, 0}, new int[] {0, 1, 2, 3}, 1, 4), 1e-12);
    }

    @Test
    void hungarianMatchingIsTheBestOfAllPermutations() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            int k = 2 + trial % 5;
            int[] labels = new int[60];
            int[] clusters = new int[60];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = random.nextInt(k);
                clusters[i] = random.nextDouble() < 0.6 ? (labels[i] + trial) % k : random.nextInt(k);
            }
            assertEquals(bruteForce(clusters, labels, k), Clustering.accuracy(clusters, labels, k), 1e-12);
        }
    }

    private static double bruteForce(int[] clusters, int[] labels, int k) {
        long[][] n = Clustering.contingency(clusters, labels, k, k);
        return best(n, new boolean[k], 0) / (double) clusters.length;
    }

    private static long best(long[][] n, boolean[] taken, int row) {
        if (row == n.length) {
            return 0;
        }
        long best = Long.MIN_VALUE;
        for (int c = 0; c < n.length; c++) {
            if (!taken[c]) {
                taken[c] = true;
                best = Math.max(best, n[row][c] + best(n, taken, row + 1));
                taken[c] = false;
            }
        }
        return best;
    }

    @Test
    void kMeansFindsSeparatedBlobsAndIsDeterministic() {
        SplittableRandom random = new SplittableRandom(5);
        float[][] x = new float[300][2];
        int[] labels = new int[300];
        for (int i = 0; i < x.length; i++) {
            labels[i] = i % 3;
            x[i][0] = (float) (10 * labels[i] + random.nextDouble());
            x[i][1] = (float) (-7 * labels[i] + random.nextDouble());
        }
        int[] clusters = KMeans.cluster(x, 3, 50, 1);
        assertEquals(1, Clustering.accuracy(clusters, labels, 3), 1e-12);
        assertArrayEquals(clusters, KMeans.cluster(x, 3, 50, 1));
    }
}
