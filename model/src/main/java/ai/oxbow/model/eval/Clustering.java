package ai.oxbow.model.eval;

import java.util.Arrays;

/**
 * How well cluster ids match class labels, the three figures of the clustering literature (SCAN,
 * Van Gansbeke et al. 2020, Table 3): accuracy under the best one-to-one cluster-to-class map
 * (Hungarian matching), normalised mutual information and the adjusted Rand index, as
 * scikit-learn defines them (NMI with the arithmetic mean of the entropies; ARI of Hubert and
 * Arabie 1985).
 */
public final class Clustering {
    private Clustering() {}

    /** Accuracy under the cluster-to-class assignment that maximises it (clusters and classes: ids in [0, k)). */
    public static double accuracy(int[] clusters, int[] labels, int k) {
        long[][] counts = contingency(clusters, labels, k, k);
        long[][] cost = new long[k][k];
        for (int c = 0; c < k; c++) {
            for (int l = 0; l < k; l++) {
                cost[c][l] = -counts[c][l];
            }
        }
        int[] match = hungarian(cost);
        long hits = 0;
        for (int c = 0; c < k; c++) {
            hits += counts[c][match[c]];
        }
        return (double) hits / clusters.length;
    }

    /** I(U; V) / mean(H(U), H(V)); 1 when either side has one group only and both agree. */
    public static double nmi(int[] clusters, int[] labels, int k, int classes) {
        long[][] n = contingency(clusters, labels, k, classes);
        double total = clusters.length;
        double[] rows = new double[k];
        double[] cols = new double[classes];
        for (int c = 0; c < k; c++) {
            for (int l = 0; l < classes; l++) {
                rows[c] += n[c][l];
                cols[l] += n[c][l];
            }
        }
        double mi = 0;
        for (int c = 0; c < k; c++) {
            for (int l = 0; l < classes; l++) {
                if (n[c][l] > 0) {
                    mi += n[c][l] / total * Math.log(n[c][l] * total / (rows[c] * cols[l]));
                }
            }
        }
        double hu = entropy(rows, total);
        double hv = entropy(cols, total);
        if (hu == 0 && hv == 0) {
            return 1;
        }
        return mi / Math.max((hu + hv) / 2, 1e-15);
    }

    /** (RI - E[RI]) / (max RI - E[RI]) over pairs of samples. */
    public static double ari(int[] clusters, int[] labels, int k, int classes) {
        long[][] n = contingency(clusters, labels, k, classes);
        double index = 0;
        double[] rows = new double[k];
        double[] cols = new double[classes];
        for (int c = 0; c < k; c++) {
            for (int l = 0; l < classes; l++) {
                index += pairs(n[c][l]);
                rows[c] += n[c][l];
                cols[l] += n[c][l];
            }
        }
        double a = Arrays.stream(rows).map(Clustering::pairs).sum();
        double b = Arrays.stream(cols).map(Clustering::pairs).sum();
        double expected = a * b / pairs(clusters.length);
        double max = (a + b) / 2;
        return max == expected ? 1 : (index - expected) / (max - expected);
    }

    static long[][] contingency(int[] clusters, int[] labels, int k, int classes) {
        if (clusters.length != labels.length) {
            throw new IllegalArgumentException(clusters.length + " cluster ids for " + labels.length + " labels");
        }
        long[][] n = new long[k][classes];
        for (int i = 0; i < clusters.length; i++) {
            n[clusters[i]][labels[i]]++;
        }
        return n;
    }

    private static double entropy(double[] counts, double total) {
        double h = 0;
        for (double c : counts) {
            if (c > 0) {
                h -= c / total * Math.log(c / total);
            }
        }
        return h;
    }

    private static double pairs(double n) {
        return n * (n - 1) / 2;
    }

    /**
     * The assignment of rows to columns of a square cost matrix with the least total cost
     * (Kuhn-Munkres with potentials, O(k^3)); returns each row's column.
     */
    static int[] hungarian(long[][] cost) {
        int n = cost.length;
        long[] u = new long[n + 1];
        long[] v = new long[n + 1];
        int[] p = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            long[] minv = new long[n + 1];
            Arrays.fill(minv, Long.MAX_VALUE);
            boolean[] used = new boolean[n + 1];
            do {
                used[j0] = true;
                int i0 = p[j0];
                long delta = Long.MAX_VALUE;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        long cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] match = new int[n];
        for (int j = 1; j <= n; j++) {
            match[p[j] - 1] = j - 1;
        }
        return match;
    }
}
