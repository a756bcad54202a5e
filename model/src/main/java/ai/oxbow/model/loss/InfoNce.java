package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;
import java.util.List;

/**
 * InfoNCE (van den Oord et al., 2018), the contrastive loss of MoCo and NNCLR. Inputs are
 * l2-normalised row vectors; the caller decides which side is stop-gradient.
 */
public final class InfoNce {
    private InfoNce() {}

    /**
     * MoCo (He et al., 2020, Alg. 1): for each query q_i the positive is its key k_i and the
     * negatives are the queue rows; loss = mean_i -log softmax([q_i.k_i, q_i.Q^T] / t)[0].
     */
    public static NDArray withQueue(NDArray q, NDArray k, NDArray queue, float temperature) {
        NDArray positive = q.mul(k).sum(new int[] {1}, true);
        NDArray negatives = q.matMul(queue.transpose());
        NDArray logits = Scalars.div(positive.concat(negatives, 1), temperature);
        return logits.logSoftmax(1).get(":, 0").neg().mean();
    }

    /**
     * MoCo v2+ over several views: the mean of {@link #withQueue}(q_v, k_g, Q_g) over the
     * {@link ViewPairs#ordered} pairs, keys k_g and queue Q_g of each global view g. For two views
     * it is the symmetric loss of MoCo v2+ (solo-learn), (l(q_1, k_2) + l(q_2, k_1)) / 2.
     */
    public static NDArray withQueues(
            List<NDArray> queries, List<NDArray> keys, List<NDArray> queues, float temperature) {
        return ViewPairs.mean(
                ViewPairs.ordered(keys.size(), queries.size()),
                (g, v) -> withQueue(queries.get(v), keys.get(g), queues.get(g), temperature));
    }

    /**
     * In-batch InfoNCE (NNCLR, Dwibedi et al., 2021, eq. 2): anchor a_i is positive with b_i
     * and negative with every other b_j; loss = mean_i -log softmax(a_i.B^T / t)[i].
     */
    public static NDArray inBatch(NDArray anchors, NDArray positives, float temperature) {
        NDArray logits = Scalars.div(anchors.matMul(positives.transpose()), temperature);
        long n = logits.getShape().get(0);
        NDArray diagonal = logits.getManager().eye((int) n);
        return logits.logSoftmax(1).mul(diagonal).sum(new int[] {1}).neg().mean();
    }

    /**
     * NNCLR over several views: the mean of {@link #inBatch}(a_g, b_v) over the
     * {@link ViewPairs#ordered} pairs, anchors a_g (the neighbours of the global views'
     * projections) against every other view's predictions b_v. For two views it is NNCLR's
     * symmetric loss, (l(NN(z_1), p_2) + l(NN(z_2), p_1)) / 2.
     */
    public static NDArray inBatch(List<NDArray> anchors, List<NDArray> positives, float temperature) {
        return ViewPairs.mean(
                ViewPairs.ordered(anchors.size(), positives.size()),
                (g, v) -> inBatch(anchors.get(g), positives.get(v), temperature));
    }
}
