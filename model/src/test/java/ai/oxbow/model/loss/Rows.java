package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.function.ToDoubleFunction;

/** Row-vector arithmetic in plain doubles, for checking losses against their formulas. */
final class Rows {
    private Rows() {}

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += a[d] * b[d];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    static double cos(double[] a, double[] b) {
        return dot(a, b) / (norm(a) * norm(b));
    }

    /** A float (rows, dim) array that records gradients. */
    static NDArray create(NDManager m, double[][] rows) {
        int dim = rows[0].length;
        float[] flat = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            for (int d = 0; d < dim; d++) {
                flat[i * dim + d] = (float) rows[i][d];
            }
        }
        NDArray x = m.create(flat, new Shape(rows.length, dim));
        x.setRequiresGradient(true);
        return x;
    }

    /** dF/dx by central differences (step 1e-6) on a copy of x, in doubles. */
    static double[][] centralDifference(double[][] x, ToDoubleFunction<double[][]> f) {
        double h = 1e-6;
        double[][] grad = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int d = 0; d < x[i].length; d++) {
                double[][] plus = copy(x);
                double[][] minus = copy(x);
                plus[i][d] += h;
                minus[i][d] -= h;
                grad[i][d] = (f.applyAsDouble(plus) - f.applyAsDouble(minus)) / (2 * h);
            }
        }
        return grad;
    }

    static void assertGradient(double[][] want, NDArray x, String name) {
        float[] got = x.getGradient().toFloatArray();
        int dim = want[0].length;
        for (int i = 0; i < want.length; i++) {
            for (int d = 0; d < dim; d++) {
                assertEquals(want[i][d], got[i * dim + d], 1e-5, name + "[" + i + "][" + d + "]");
            }
        }
    }

    private static double[][] copy(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].clone();
        }
        return out;
    }
}
