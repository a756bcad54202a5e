package ai.oxbow.model.loss;

import static ai.oxbow.model.nd.Numeric.assertClose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.oxbow.model.nd.Numeric;
import org.junit.jupiter.api.Test;

/** W-MSE whitening: identity covariance, and equal to X_c L^-T computed in doubles. */
class WhiteningTest {

    @Test
    void whitenedRowsHaveIdentityCovarianceAndMatchTheFormula() {
        // Correlated columns: x = g M with a random mixing matrix.
        double[][] x = Numeric.multiply(Numeric.gaussian(4, 40, 5, 1, 0.5), Numeric.gaussian(5, 5, 5, 1, 0));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = Whitening.whiten(Numeric.create(m, x), 0f);
            NDArray centred = w.sub(w.mean(new int[] {0}, true));
            NDArray covariance = centred.transpose().matMul(centred).div(39);
            double[][] identity = new double[5][5];
            for (int i = 0; i < 5; i++) {
                identity[i][i] = 1;
            }
            assertClose(identity, covariance, 1e-4, "whitened covariance");
            assertClose(Numeric.whiten(x, 0), w, 1e-4, "whitened rows");
        }
    }

    @Test
    void shrinkageMatchesTheFormula() {
        double[][] x = Numeric.gaussian(6, 8, 3, 2, 0);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertClose(Numeric.whiten(x, 0.1), Whitening.whiten(Numeric.create(m, x), 0.1f), 1e-4, "shrunk whitening");
        }
    }
}
