package ai.oxbow.model.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Cholesky factorisation from differentiable DJL ops: DJL has {@code inverse()} but no
 * Cholesky, and W-MSE (Ermolov et al., 2021) back-propagates through the whitening matrix.
 */
public final class Cholesky {
    private Cholesky() {}

    /**
     * The lower-triangular L with L L^T = A, for a symmetric positive-definite (D, D) matrix A,
     * built column by column (Cholesky-Crout): c = A[j:, j] - L[j:, :j] L[j, :j]^T and
     * L[j:, j] = c / sqrt(c_0), with zeros above the diagonal. Columns are concatenated, never
     * written in place, so autograd differentiates through every step. A matrix that is not
     * positive definite gives a non-positive pivot and so NaN.
     */
    public static NDArray lower(NDArray a) {
        long d = a.getShape().get(0);
        NDArray factor = null;
        for (long j = 0; j < d; j++) {
            NDArray c = a.get("{}:, {}:{}", j, j, j + 1);
            if (factor != null) {
                NDArray rowJ = factor.get("{}:{}, :", j, j + 1);
                c = c.sub(factor.get("{}:, :", j).matMul(rowJ.transpose()));
            }
            NDArray column = c.div(c.get("0:1, :").sqrt());
            if (factor == null) {
                factor = column;
            } else {
                NDArray aboveDiagonal = a.getManager().zeros(new Shape(j, 1), a.getDataType());
                factor = factor.concat(aboveDiagonal.concat(column, 0), 1);
            }
        }
        return factor;
    }
}
