package ai.oxbow.model.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Plain-double references for loss tests: matrices as double[rows][cols], a textbook
 * Cholesky, central finite differences, and conversion to float32 NDArrays.
 */
public final class Numeric {
    private Numeric() {}

    public static double[][] gaussian(long seed, int rows, int cols, double scale, double shift) {
        Random random = new Random(seed);
        double[][] out = new double[rows][cols];
        for (double[] row : out) {
            for (int j = 0; j < cols; j++) {
                row[j] = shift + scale * random.nextGaussian();
            }
        }
        return out;
    }

    public static NDArray create(NDManager manager, double[][] m) {
        float[] flat = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                flat[i * m[0].length + j] = (float) m[i][j];
            }
        }
        return manager.create(flat, new Shape(m.length, m[0].length));
    }

    public static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    public static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b[0].length; j++) {
                for (int k = 0; k < b.length; k++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    /** Rows minus the column means. */
    public static double[][] centre(double[][] x) {
        double[][] c = new double[x.length][x[0].length];
        for (int j = 0; j < x[0].length; j++) {
            double mean = 0;
            for (double[] row : x) {
                mean += row[j] / x.length;
            }
            for (int i = 0; i < x.length; i++) {
                c[i][j] = x[i][j] - mean;
            }
        }
        return c;
    }

    /** Cholesky-Banachiewicz: L[i][j] = (A[i][j] - sum_{k<j} L[i][k] L[j][k]) / L[j][j], sqrt on the diagonal. */
    public static double[][] cholesky(double[][] a) {
        int d = a.length;
        double[][] l = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        return l;
    }

    /** Inverse of a lower-triangular matrix by forward substitution, column by column. */
    public static double[][] invertLower(double[][] l) {
        int d = l.length;
        double[][] w = new double[d][d];
        for (int c = 0; c < d; c++) {
            for (int i = 0; i < d; i++) {
                double s = i == c ? 1 : 0;
                for (int k = 0; k < i; k++) {
                    s -= l[i][k] * w[k][c];
                }
                w[i][c] = s / l[i][i];
            }
        }
        return w;
    }

    /** W-MSE whitening: X_c (L^-1)^T with L L^T = (1 - eps) X_c^T X_c / (m - 1) + eps I. */
    public static double[][] whiten(double[][] x, double eps) {
        double[][] xc = centre(x);
        double[][] cov = multiply(transpose(xc), xc);
        for (int i = 0; i < cov.length; i++) {
            for (int j = 0; j < cov.length; j++) {
                cov[i][j] = (1 - eps) * cov[i][j] / (x.length - 1) + (i == j ? eps : 0);
            }
        }
        return multiply(xc, transpose(invertLower(cholesky(cov))));
    }

    /** Central differences of f at x, with step h, for every entry of x. */
    public static double[][] gradient(ToDoubleFunction<double[][]> f, double[][] x, double h) {
        double[][] g = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                double keep = x[i][j];
                x[i][j] = keep + h;
                double up = f.applyAsDouble(x);
                x[i][j] = keep - h;
                double down = f.applyAsDouble(x);
                x[i][j] = keep;
                g[i][j] = (up - down) / (2 * h);
            }
        }
        return g;
    }

    /**
     * Between a forward and a backward pass: collects garbage and reuses the freed native memory,
     * so that a backward reading an operand DJL left in released JVM memory (see {@link Scalars})
     * gets garbage and fails its gradient check instead of passing by luck.
     */
    public static void collectGarbage(NDManager manager) {
        for (int k = 0; k < 3; k++) {
            System.gc();
            try {
                Thread.sleep(5); // the cleaner thread frees direct buffers after the collection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int k = 0; k < 20_000; k++) {
            manager.create(1234.5f).close();
        }
    }

    /** |want - got| <= tol * max(1, |want|) entry by entry. */
    public static void assertClose(double[][] want, NDArray got, double tol, String what) {
        float[] flat = got.toFloatArray();
        int cols = want[0].length;
        assertEquals(want.length * cols, flat.length, what + " size");
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < cols; j++) {
                double w = want[i][j];
                assertEquals(w, flat[i * cols + j], tol * Math.max(1, Math.abs(w)), what + "[" + i + "][" + j + "]");
            }
        }
    }
}
