package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;

/**
 * Cross-entropy against soft targets, the prediction term shared by SwAV (targets: Sinkhorn
 * codes) and DINO (targets: the teacher's sharpened softmax). The caller detaches the targets.
 */
public final class SoftCrossEntropy {
    private SoftCrossEntropy() {}

    /** mean_i -sum_k targets_ik log softmax(logits_i)_k over rows (N, K). */
    public static NDArray of(NDArray targets, NDArray logits) {
        return logits.logSoftmax(1).mul(targets).sum(new int[] {1}).neg().mean();
    }
}
