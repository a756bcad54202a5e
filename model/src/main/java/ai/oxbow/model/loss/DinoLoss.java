package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * DINO's self-distillation loss (Caron et al., 2021, "Emerging Properties in Self-Supervised
 * Vision Transformers", Sec. 3.1, eq. 1-3 and Alg. 1, with multi-crop): the teacher's output of
 * each global view, centred and sharpened, P_t = softmax((g_t - c) / t_t), is the target of the
 * student's P_s = softmax(g_s / t_s) on every other view; L is the mean of
 * H(P_t(x_g), P_s(x_v)) over the {@link ViewPairs#ordered} pairs (g, v),
 * H(a, b) = -mean_i sum_k a_ik log b_ik, as {@code DINOLoss} of the official code (the sum over
 * pairs divided by {@code n_loss_terms}). For two views it is 1/2 [H(P_t(x1), P_s(x2)) +
 * H(P_t(x2), P_s(x1))]. The teacher side is stop-gradient.
 */
public final class DinoLoss {
    private DinoLoss() {}

    /**
     * @param student student logits (N, K) of every view
     * @param teacher teacher logits (N, K) of the global views
     * @param center  running mean of teacher logits (1, K)
     */
    public static NDArray loss(
            List<NDArray> student,
            List<NDArray> teacher,
            NDArray center,
            float studentTemperature,
            float teacherTemperature) {
        List<NDArray> targets = new ArrayList<>(teacher.size());
        for (NDArray t : teacher) {
            targets.add(
                    Scalars.div(t.sub(center), teacherTemperature).softmax(1).stopGradient());
        }
        return ViewPairs.mean(
                ViewPairs.ordered(teacher.size(), student.size()),
                (g, v) -> SoftCrossEntropy.of(targets.get(g), Scalars.div(student.get(v), studentTemperature)));
    }
}
