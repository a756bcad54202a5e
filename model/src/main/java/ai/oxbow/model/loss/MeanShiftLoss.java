package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.nd.Scalars;
import java.util.List;

/**
 * Mean Shift (Koohpayegani et al., 2021, "Mean Shift for Self-Supervised Learning", Sec. 3):
 * the k nearest neighbours NN_k(t_i) of each target t_i in the memory bank are found by cosine
 * similarity to the target, and the online prediction p_i is pulled to all of them,
 * L = mean_i (1/k) sum_{m in NN_k(t_i)} ||p_i - m||^2 = mean_i (1/k) sum_m (2 - 2 p_i . m),
 * as in the official train_msf.py. Inputs are l2-normalised rows; the neighbours carry no
 * gradient. In the official code the batch's targets are written into the bank before the
 * look-up, so the caller passes a bank that already contains them (each target is then its own
 * nearest neighbour; k = 1 is BYOL).
 */
public final class MeanShiftLoss {
    private MeanShiftLoss() {}

    /**
     * @param predictions online predictions (N, D) of each query view; the loss is their mean
     *                    (one query view in the official code), all pulled to the same neighbours
     * @param target      target embeddings (N, D), used only to choose neighbours
     * @param bank        memory bank rows (M, D), M >= k
     * @param k           neighbours per target (paper: 5)
     */
    public static NDArray loss(List<NDArray> predictions, NDArray target, NDArray bank, int k) {
        long n = target.getShape().get(0);
        long d = target.getShape().get(1);
        NDArray index =
                target.matMul(bank.transpose()).topK(k, 1, true, true).get(1).flatten();
        NDArray neighbours = bank.get(new NDIndex("{}", index)).stopGradient().reshape(new Shape(n, k, d));
        NDArray sum = null;
        for (NDArray prediction : predictions) {
            NDArray cosine = prediction.expandDims(1).mul(neighbours).sum(new int[] {2});
            NDArray term = Scalars.mul(cosine, -2).add(2).mean();
            sum = sum == null ? term : sum.add(term);
        }
        return Scalars.div(sum, predictions.size());
    }
}
