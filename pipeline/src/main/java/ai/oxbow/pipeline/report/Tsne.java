package ai.oxbow.pipeline.report;

import java.util.stream.IntStream;

/**
 * Exact t-SNE (van der Maaten and Hinton 2008, "Visualizing Data using t-SNE", JMLR 9) to two
 * dimensions, with the optimisation of the authors' reference implementation and of scikit-learn:
 * Gaussian affinities calibrated per point to the perplexity by bisection, symmetrised
 * P = (P_j|i + P_i|j) / 2n; Student-t (one degree of freedom) affinities in the map; gradient descent
 * with momentum 0.5 then 0.8, per-parameter gains (+0.2 / ×0.8, at least 0.01), early exaggeration
 * 12 for the first 250 iterations, learning rate max(n / 12 / 4, 50) (scikit-learn's "auto").
 * The map starts from the first two principal components scaled to standard deviation 1e-4
 * (scikit-learn's init="pca"), so the result is deterministic. O(n²) time and memory per
 * iteration: meant for a few thousand points, which is what a report draws.
 *
 * <p>Written here rather than taken from a library: Smile (the usual JVM choice) is GPL-3.0 since
 * 3.0 and needs native BLAS for its PCA; the algorithm is short.
 */
public final class Tsne {
    public static final double EXAGGERATION = 12;
    public static final int EXAGGERATION_ITERATIONS = 250;

    private Tsne() {}

    /**
     * @param x          n × d input (typically PCA-reduced to ≤ 50 dimensions first)
     * @param perplexity effective number of neighbours (5–50); lowered to (n - 1) / 3 for small n
     * @param iterations total iterations (1000 is the usual)
     * @return n × 2 map
     */
    public static double[][] embed(double[][] x, double perplexity, int iterations) {
        int n = x.length;
        if (n < 4) {
            throw new IllegalArgumentException("t-SNE needs at least 4 points, got " + n);
        }
        perplexity = Math.min(perplexity, (n - 1) / 3.0);
        double[] p = affinities(x, perplexity);

        double[][] init = Pca.fit(x, 2).transform(x);
        double[] y = new double[2 * n];
        double sd = 0;
        for (double[] r : init) {
            sd += r[0] * r[0];
        }
        sd = Math.sqrt(sd / n);
        double scale = sd > 0 ? 1e-4 / sd : 1;
        for (int i = 0; i < n; i++) {
            y[2 * i] = init[i][0] * scale;
            y[2 * i + 1] = init[i][1] * scale;
        }

        double eta = Math.max(n / EXAGGERATION / 4, 50);
        double[] update = new double[2 * n];
        double[] gains = new double[2 * n];
        java.util.Arrays.fill(gains, 1);
        double[] grad = new double[2 * n];
        double[] num = new double[n * n];
        for (int it = 0; it < iterations; it++) {
            double exaggeration = it < EXAGGERATION_ITERATIONS ? EXAGGERATION : 1;
            double momentum = it < EXAGGERATION_ITERATIONS ? 0.5 : 0.8;
            gradient(p, y, n, exaggeration, num, grad);
            for (int k = 0; k < 2 * n; k++) {
                boolean sameSign = (grad[k] > 0) == (update[k] > 0);
                gains[k] = Math.max(sameSign ? gains[k] * 0.8 : gains[k] + 0.2, 0.01);
                update[k] = momentum * update[k] - eta * gains[k] * grad[k];
                y[k] += update[k];
            }
            // Centre the map (the objective is translation invariant).
            double mx = 0;
            double my = 0;
            for (int i = 0; i < n; i++) {
                mx += y[2 * i];
                my += y[2 * i + 1];
            }
            mx /= n;
            my /= n;
            for (int i = 0; i < n; i++) {
                y[2 * i] -= mx;
                y[2 * i + 1] -= my;
            }
        }
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            out[i][0] = y[2 * i];
            out[i][1] = y[2 * i + 1];
        }
        return out;
    }

    /** Gradient of KL(P || Q) with respect to the map y (2n), into grad; num is scratch (n²). */
    private static void gradient(double[] p, double[] y, int n, double exaggeration, double[] num, double[] grad) {
        double[] rowSums = new double[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            double s = 0;
            double yi0 = y[2 * i];
            double yi1 = y[2 * i + 1];
            for (int j = 0; j < n; j++) {
                double d0 = yi0 - y[2 * j];
                double d1 = yi1 - y[2 * j + 1];
                double q = i == j ? 0 : 1 / (1 + d0 * d0 + d1 * d1);
                num[i * n + j] = q;
                s += q;
            }
            rowSums[i] = s;
        });
        double sum = 0; // summed in order: the map does not depend on the number of cores
        for (double s : rowSums) {
            sum += s;
        }
        double invSum = 1 / Math.max(sum, 1e-300);
        IntStream.range(0, n).parallel().forEach(i -> {
            double g0 = 0;
            double g1 = 0;
            double yi0 = y[2 * i];
            double yi1 = y[2 * i + 1];
            for (int j = 0; j < n; j++) {
                double q = num[i * n + j];
                double m = (exaggeration * p[i * n + j] - Math.max(q * invSum, 1e-12)) * q;
                g0 += m * (yi0 - y[2 * j]);
                g1 += m * (yi1 - y[2 * j + 1]);
            }
            grad[2 * i] = 4 * g0;
            grad[2 * i + 1] = 4 * g1;
        });
    }

    /** Symmetrised input affinities P (n², summing to 1), each row calibrated to the perplexity. */
    static double[] affinities(double[][] x, double perplexity) {
        int n = x.length;
        double[] d2 = new double[n * n];
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int k = 0; k < x[i].length; k++) {
                    double t = x[i][k] - x[j][k];
                    s += t * t;
                }
                d2[i * n + j] = s;
                d2[j * n + i] = s;
            }
        });
        double[] cond = new double[n * n];
        double target = Math.log(perplexity);
        IntStream.range(0, n).parallel().forEach(i -> {
            double beta = 1;
            double lo = Double.NEGATIVE_INFINITY;
            double hi = Double.POSITIVE_INFINITY;
            double[] row = new double[n];
            // Distances relative to the nearest neighbour keep exp() away from underflow.
            double minD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    minD = Math.min(minD, d2[i * n + j]);
                }
            }
            for (int attempt = 0; attempt < 100; attempt++) {
                double sum = 0;
                double weighted = 0;
                for (int j = 0; j < n; j++) {
                    double v = j == i ? 0 : Math.exp(-(d2[i * n + j] - minD) * beta);
                    row[j] = v;
                    sum += v;
                    weighted += v * (d2[i * n + j] - minD);
                }
                // Shannon entropy (nats) of the conditional distribution.
                double h = Math.log(sum) + beta * weighted / sum;
                double diff = h - target;
                if (Math.abs(diff) < 1e-5) {
                    break;
                }
                if (diff > 0) { // too flat: sharpen
                    lo = beta;
                    beta = hi == Double.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
                } else {
                    hi = beta;
                    beta = lo == Double.NEGATIVE_INFINITY ? beta / 2 : (beta + lo) / 2;
                }
            }
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += row[j];
            }
            for (int j = 0; j < n; j++) {
                cond[i * n + j] = row[j] / sum;
            }
        });
        double[] p = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                p[i * n + j] = Math.max((cond[i * n + j] + cond[j * n + i]) / (2.0 * n), 1e-12);
            }
        }
        return p;
    }
}
