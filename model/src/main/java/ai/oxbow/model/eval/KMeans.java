package ai.oxbow.model.eval;

import java.util.SplittableRandom;

/**
 * k-means (Lloyd's iterations from k-means++ seeds, Arthur and Vassilvitskii 2007) on feature
 * rows: the baseline SCAN's clustering is compared against on the same features.
 */
public final class KMeans {
    private KMeans() {}

    /** Cluster ids of the rows after at most {@code iterations} Lloyd steps (fewer when nothing moves). */
    public static int[] cluster(float[][] x, int k, int iterations, long seed) {
        int n = x.length;
        int d = x[0].length;
        float[][] centres = seeds(x, k, new SplittableRandom(seed));
        int[] assignment = new int[n];
        for (int it = 0; it < iterations; it++) {
            boolean moved = it == 0;
            for (int i = 0; i < n; i++) {
                int nearest = nearest(x[i], centres);
                if (nearest != assignment[i]) {
                    assignment[i] = nearest;
                    moved = true;
                }
            }
            if (!moved) {
                break;
            }
            double[][] sums = new double[k][d];
            int[] sizes = new int[k];
            for (int i = 0; i < n; i++) {
                sizes[assignment[i]]++;
                for (int j = 0; j < d; j++) {
                    sums[assignment[i]][j] += x[i][j];
                }
            }
            for (int c = 0; c < k; c++) {
                if (sizes[c] > 0) { // an empty cluster keeps its centre
                    for (int j = 0; j < d; j++) {
                        centres[c][j] = (float) (sums[c][j] / sizes[c]);
                    }
                }
            }
        }
        return assignment;
    }

    /** k-means++: each next seed drawn with probability proportional to its squared distance to the nearest seed. */
    private static float[][] seeds(float[][] x, int k, SplittableRandom random) {
        float[][] centres = new float[k][];
        centres[0] = x[random.nextInt(x.length)].clone();
        double[] distance = new double[x.length];
        for (int c = 1; c < k; c++) {
            double total = 0;
            for (int i = 0; i < x.length; i++) {
                distance[i] = Double.MAX_VALUE;
                for (int s = 0; s < c; s++) {
                    distance[i] = Math.min(distance[i], squaredDistance(x[i], centres[s]));
                }
                total += distance[i];
            }
            double r = random.nextDouble() * total;
            int pick = x.length - 1;
            for (int i = 0; i < x.length; i++) {
                r -= distance[i];
                if (r < 0) {
                    pick = i;
                    break;
                }
            }
            centres[c] = x[pick].clone();
        }
        return centres;
    }

    private static int nearest(float[] row, float[][] centres) {
        int best = 0;
        double bestDistance = Double.MAX_VALUE;
        for (int c = 0; c < centres.length; c++) {
            double dist = squaredDistance(row, centres[c]);
            if (dist < bestDistance) {
                bestDistance = dist;
                best = c;
            }
        }
        return best;
    }

    private static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            double diff = a[j] - b[j];
            s += diff * diff;
        }
        return s;
    }
}
