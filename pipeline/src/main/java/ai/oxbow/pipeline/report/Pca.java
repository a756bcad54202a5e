package ai.oxbow.pipeline.report;

import java.util.Arrays;
import java.util.Comparator;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Principal component analysis: the eigenvectors of the covariance matrix (commons-math3's
 * symmetric eigen-decomposition), sorted by eigenvalue. Each component's sign is fixed so that its
 * largest-magnitude coefficient is positive, which makes projections reproducible.
 */
public final class Pca {
    private final double[] mean;
    private final double[][] components; // [k][d]
    private final double[] variances; // eigenvalues, descending
    private final double totalVariance;

    private Pca(double[] mean, double[][] components, double[] variances, double totalVariance) {
        this.mean = mean;
        this.components = components;
        this.variances = variances;
        this.totalVariance = totalVariance;
    }

    /** Fits PCA on the rows of x (n × d), keeping the k leading components (k ≤ d). */
    public static Pca fit(double[][] x, int k) {
        int n = x.length;
        int d = x[0].length;
        if (n < 2) {
            throw new IllegalArgumentException("PCA needs at least 2 points, got " + n);
        }
        k = Math.min(k, d);
        double[] mean = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / n;
            }
        }
        double[][] cov = new double[d][d];
        double[] c = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                c[j] = row[j] - mean[j];
            }
            for (int a = 0; a < d; a++) {
                double ca = c[a];
                double[] covA = cov[a];
                for (int b = a; b < d; b++) {
                    covA[b] += ca * c[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                cov[a][b] /= n - 1;
                cov[b][a] = cov[a][b];
            }
        }
        double total = 0;
        for (int a = 0; a < d; a++) {
            total += cov[a][a];
        }
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(cov, false));
        double[] values = eig.getRealEigenvalues();
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> values[i]).reversed());
        RealMatrix v = eig.getV();
        double[][] comps = new double[k][];
        double[] vars = new double[k];
        for (int i = 0; i < k; i++) {
            double[] u = v.getColumn(order[i]);
            int big = 0;
            for (int j = 1; j < d; j++) {
                if (Math.abs(u[j]) > Math.abs(u[big])) {
                    big = j;
                }
            }
            if (u[big] < 0) {
                for (int j = 0; j < d; j++) {
                    u[j] = -u[j];
                }
            }
            comps[i] = u;
            vars[i] = Math.max(0, values[order[i]]);
        }
        return new Pca(mean, comps, vars, total);
    }

    /** Projects the rows of x onto the components: n × k. */
    public double[][] transform(double[][] x) {
        double[][] out = new double[x.length][components.length];
        for (int i = 0; i < x.length; i++) {
            for (int c = 0; c < components.length; c++) {
                double s = 0;
                double[] u = components[c];
                for (int j = 0; j < u.length; j++) {
                    s += (x[i][j] - mean[j]) * u[j];
                }
                out[i][c] = s;
            }
        }
        return out;
    }

    /** Fraction of the total variance explained by component c. */
    public double explained(int c) {
        return totalVariance > 0 ? variances[c] / totalVariance : 0;
    }

    public int components() {
        return components.length;
    }
}
