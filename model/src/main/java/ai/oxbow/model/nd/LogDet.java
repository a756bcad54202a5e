package ai.oxbow.model.nd;

import ai.djl.ndarray.NDArray;

/**
 * log det of symmetric positive-definite matrices with its gradient, which DJL 0.32 has no op
 * for. The value is computed exactly on the host (Cholesky in doubles: log det A = 2 sum_i
 * log L_ii); the gradient d log det A / dA = A^-T = A^-1 comes from the surrogate
 * t = sum(sg(A^-1) * A), whose gradient is sg(A^-1)^T: the result is t - sg(t) + log det A,
 * whose value is log det A exactly (t - sg(t) is 0 in float) and whose gradient is A^-1.
 */
public final class LogDet {
    private LogDet() {}

    /** log det of each (m, m) matrix of a (b, m, m) batch, as a (b) array. */
    public static NDArray of(NDArray a) {
        long b = a.getShape().get(0);
        int m = (int) a.getShape().get(1);
        float[] values = a.stopGradient().toFloatArray();
        float[] logDets = new float[(int) b];
        for (int i = 0; i < b; i++) {
            logDets[i] = (float) choleskyLogDet(values, i * m * m, m);
        }
        NDArray t = a.stopGradient().inverse().mul(a).sum(new int[] {1, 2});
        return t.sub(t.stopGradient()).add(a.getManager().create(logDets));
    }

    /** 2 sum log L_ii of the Cholesky factor of the m x m matrix at {@code offset}; NaN if not positive definite. */
    static double choleskyLogDet(float[] a, int offset, int m) {
        double[] l = Cholesky.factor(a, offset, m);
        double logDet = 0;
        for (int j = 0; j < m; j++) {
            logDet += 2 * Math.log(l[j * m + j]);
        }
        return logDet;
    }
}
