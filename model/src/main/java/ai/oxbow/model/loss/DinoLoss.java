package ai.oxbow.model.loss;

import ai.oxbow.model.nd.Scalars;
import ai.djl.ndarray.NDArray;

/**
 * DINO's self-distillation loss (Caron et al., 2021, "Emerging Properties in Self-Supervised
 * Vision Transformers", Sec. 3.1, eq. 1-3 and Alg. 1) for two global views: the teacher's output of one
 * view, centred and sharpened, P_t = softmax((g_t - c) / t_t), is the target of the student's
 * P_s = softmax(g_s / t_s) on the other view; L = 1/2 [H(P_t(x1), P_s(x2)) + H(P_t(x2), P_s(x1))],
 * H(a, b) = -mean_i sum_k a_ik log b_ik. The teacher side is stop-gradient, as {@code DINOLoss}
 * in the official code and solo-learn.
 */
public final class DinoLoss {
    private DinoLoss() {}

    /**
     * @param student1 student logits of view 1 (N, K)
     * @param teacher1 teacher logits of view 1 (N, K)
     * @param center   running mean of teacher logits (1, K)
     */
    public static NDArray loss(NDArray student1, NDArray student2, NDArray teacher1, NDArray teacher2,
                               NDArray center, float studentTemperature, float teacherTemperature) {
        NDArray target1 = teacher1.sub(center).div(teacherTemperature).softmax(1).stopGradient();
        NDArray target2 = teacher2.sub(center).div(teacherTemperature).softmax(1).stopGradient();
        return Scalars.div(SoftCrossEntropy.of(target1, Scalars.div(student2, studentTemperature))
                .add(SoftCrossEntropy.of(target2, Scalars.div(student1, studentTemperature))), 2);
    }
}
