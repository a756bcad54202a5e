package ai.oxbow.model.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Differentiable Cholesky factorisation: DJL has {@code inverse()} but no Cholesky, and W-MSE
 * (Ermolov et al., 2021) back-propagates through the whitening matrix. The factor is computed on
 * the host in doubles (a D x D matrix: microseconds), and autograd gets the factor's exact first
 * derivative from a few engine ops instead of one graph node per column (a column-by-column
 * factor costs ~6 D engine ops forward and backward, which dominated the W-MSE step).
 */
public final class Cholesky {
    private Cholesky() {}

    /**
     * The lower-triangular L with L L^T = A, for a symmetric positive-definite (D, D) matrix A; only
     * the lower triangle of A is read (as in LAPACK). Returned as
     * L = L0 + L0 Phi(L0^-1 S(A - A0) L0^-T), where L0 = chol(A0) and A0 = A with its gradient
     * stopped: the correction is zero in value and carries the Cholesky derivative
     * dL = L Phi(L^-1 dA L^-T) (Phi: the strict lower triangle plus half the diagonal; S mirrors
     * the lower triangle of dA to the upper one, because only it is read). A matrix that is not
     * positive definite gives NaN.
     */
    public static NDArray lower(NDArray a) {
        int d = (int) a.getShape().get(0);
        NDManager m = a.getManager();
        double[] l0 = factor(a.toFloatArray(), 0, d);
        NDArray factor = m.create(toFloats(l0), new Shape(d, d));
        NDArray inverse = m.create(toFloats(invertLower(l0, d)), new Shape(d, d));
        NDArray strictMask = m.create(strictLowerMask(d), new Shape(d, d));
        NDArray eye = m.eye(d);
        NDArray change = a.sub(a.stopGradient());
        NDArray symmetric =
                change.mul(strictMask.add(eye)).add(change.mul(strictMask).transpose());
        NDArray phi = inverse.matMul(symmetric).matMul(inverse.transpose()).mul(strictMask.add(eye.mul(0.5f)));
        return factor.add(factor.matMul(phi));
    }

    /**
     * Cholesky-Banachiewicz in doubles on the lower triangle of the row-major d x d matrix at
     * {@code offset} of {@code a}; NaN from a non-positive pivot on.
     */
    static double[] factor(float[] a, int offset, int d) {
        double[] l = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[offset + i * d + j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i * d + k] * l[j * d + k];
                }
                l[i * d + j] = i == j ? (sum > 0 ? Math.sqrt(sum) : Double.NaN) : sum / l[j * d + j];
            }
        }
        return l;
    }

    /** The inverse of a lower-triangular matrix by forward substitution, column by column. */
    static double[] invertLower(double[] l, int d) {
        double[] w = new double[d * d];
        for (int c = 0; c < d; c++) {
            for (int i = c; i < d; i++) {
                double sum = i == c ? 1 : 0;
                for (int k = c; k < i; k++) {
                    sum -= l[i * d + k] * w[k * d + c];
                }
                w[i * d + c] = sum / l[i * d + i];
            }
        }
        return w;
    }

    private static float[] strictLowerMask(int d) {
        float[] mask = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                mask[i * d + j] = 1;
            }
        }
        return mask;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
