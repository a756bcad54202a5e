package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DINO's loss against the formula in doubles; the teacher and the centre get no gradient. */
class DinoLossTest {
    static final double[][] STUDENT1 = {{0.5, -0.2, 0.1, 0.3}, {-0.6, 0.4, 0.2, 0.0}, {0.1, 0.1, -0.9, 0.7}};
    static final double[][] STUDENT2 = {{0.2, 0.3, -0.4, 0.8}, {0.0, -0.1, 0.6, -0.5}, {0.9, -0.3, 0.2, 0.1}};
    static final double[][] TEACHER1 = {{0.7, 0.1, -0.2, 0.0}, {-0.3, 0.5, 0.1, 0.2}, {0.2, 0.0, -0.6, 0.4}};
    static final double[][] TEACHER2 = {{0.4, 0.2, -0.5, 0.6}, {0.1, -0.2, 0.5, -0.3}, {0.6, -0.1, 0.3, 0.0}};
    static final double[][] CENTER = {{0.1, -0.05, 0.02, 0.2}};
    static final float STUDENT_T = 0.1f;
    static final float TEACHER_T = 0.04f;

    /** P_t(x) = softmax((g_t(x) - c) / t_t), row by row. */
    static double[][] teacherTargets(double[][] teacher) {
        double[][] p = new double[teacher.length][];
        for (int i = 0; i < teacher.length; i++) {
            double[] centred = new double[teacher[i].length];
            for (int k = 0; k < centred.length; k++) {
                centred[k] = teacher[i][k] - CENTER[0][k];
            }
            p[i] = SoftCrossEntropyTest.softmax(centred, TEACHER_T);
        }
        return p;
    }

    @Test
    void matchesTheFormulaAndOnlyTheStudentGetsGradient() {
        double[][] p1 = teacherTargets(TEACHER1);
        double[][] p2 = teacherTargets(TEACHER2);
        int n = STUDENT1.length;
        // L = 1/2 [mean_i H(P_t(x1)_i, s2_i) + mean_i H(P_t(x2)_i, s1_i)], H with the student temperature.
        double want = 0;
        for (int i = 0; i < n; i++) {
            want += (SoftCrossEntropyTest.crossEntropy(p1[i], STUDENT2[i], STUDENT_T)
                            + SoftCrossEntropyTest.crossEntropy(p2[i], STUDENT1[i], STUDENT_T))
                    / (2 * n);
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray s1 = Rows.create(m, STUDENT1);
            NDArray s2 = Rows.create(m, STUDENT2);
            NDArray t1 = Rows.create(m, TEACHER1);
            NDArray t2 = Rows.create(m, TEACHER2);
            NDArray c = Rows.create(m, CENTER);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = DinoLoss.loss(List.of(s1, s2), List.of(t1, t2), c, STUDENT_T, TEACHER_T);
                assertEquals(want, loss.getFloat(), 1e-5);
                gc.backward(loss);
            }
            // dL/ds1_ik = (softmax(s1_i / t_s)_k - P_t(x2)_ik) / (2 N t_s), and likewise for s2.
            double scale = 1.0 / (2 * n);
            Rows.assertGradient(
                    SoftCrossEntropyTest.crossEntropyGradient(p2, STUDENT1, STUDENT_T, scale), s1, "dL/ds1");
            Rows.assertGradient(
                    SoftCrossEntropyTest.crossEntropyGradient(p1, STUDENT2, STUDENT_T, scale), s2, "dL/ds2");
            assertArrayEquals(new float[n * 4], t1.getGradient().toFloatArray(), "teacher view 1 is stop-gradient");
            assertArrayEquals(new float[n * 4], t2.getGradient().toFloatArray(), "teacher view 2 is stop-gradient");
            assertArrayEquals(new float[4], c.getGradient().toFloatArray(), "the centre is stop-gradient");
        }
    }

    /** Multi-crop: mean over teacher views g and every other student view v of mean_i H(P_t(x_g)_i, s_v_i). */
    static double multiCrop(double[][][] student, double[][][] teacher) {
        double sum = 0;
        int pairs = 0;
        for (int g = 0; g < teacher.length; g++) {
            double[][] p = teacherTargets(teacher[g]);
            for (int v = 0; v < student.length; v++) {
                if (v == g) {
                    continue;
                }
                for (int i = 0; i < p.length; i++) {
                    sum += SoftCrossEntropyTest.crossEntropy(p[i], student[v][i], STUDENT_T) / p.length;
                }
                pairs++;
            }
        }
        return sum / pairs;
    }

    @Test
    void multiCropTeachesEveryOtherViewFromEachGlobalTeacherOutput() {
        // Student views 0-3 (2 and 3 local crops), teacher outputs 4-5 of the global views: no gradient there.
        double[][][] views = MultiView.views(81, 6, 3, 4);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray c = Rows.create(m, CENTER);
            MultiView.check(
                    views,
                    v -> multiCrop(new double[][][] {v[0], v[1], v[2], v[3]}, new double[][][] {v[4], v[5]}),
                    v -> DinoLoss.loss(v.subList(0, 4), v.subList(4, 6), c, STUDENT_T, TEACHER_T),
                    Set.of(4, 5),
                    1e-4);
            assertArrayEquals(new float[4], c.getGradient().toFloatArray(), "the centre is stop-gradient");
        }
    }
}
