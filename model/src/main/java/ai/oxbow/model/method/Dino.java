package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.head.DinoHead;
import ai.oxbow.model.head.WeightNormLinear;
import ai.oxbow.model.loss.DinoLoss;
import ai.oxbow.model.nd.Network;
import ai.oxbow.model.nd.Tensors;
import ai.oxbow.model.train.StateVisitor;

import java.util.List;

/**
 * DINO (Caron et al., 2021, "Emerging Properties in Self-Supervised Vision Transformers"):
 * self-distillation without labels. The student (backbone, MLP head, l2-normalised bottleneck,
 * weight-normalised last layer to K outputs) matches on each view the teacher's centred,
 * sharpened output of the other view ({@link DinoLoss}); the teacher is an EMA of the student
 * (tau 0.996 to 1 on a cosine) and the centre an EMA (momentum 0.9) of the teacher's batch mean,
 * updated after each step. The teacher temperature warms up linearly from 0.04 to 0.07 and the
 * last layer's gradients are dropped at the start (official {@code freeze_last_layer}).
 *
 * <p>Deviations, documented: two global views only (the paper's multi-crop adds small local
 * crops seen by the student only; not available yet); K defaults to 4096 (solo-learn's CIFAR
 * setting, affordable on CPU) instead of the paper's 65536; no gradient clipping (solo-learn's
 * CIFAR default; the official ViT recipe clips at 3.0).
 */
public final class Dino extends SslMethod {

    /**
     * Defaults: 2048-2048-256 GELU head without BatchNorm (solo-learn CIFAR ResNet), K = 4096
     * ({@code output_dim}; paper 65536), student t = 0.1, teacher t 0.04 -> 0.07 over 1000 steps
     * (paper: 30 of 300 epochs, a tenth of training; a tenth of the trainer's default 10,000-step
     * horizon), centre momentum 0.9, last layer frozen for 313 steps (official: one epoch; the
     * same step count SwAV's official code uses for its one-epoch prototype freeze), EMA
     * 0.996 -> 1.
     */
    public record Params(int hidden, int bottleneck, int outputDim, float studentTemperature,
                         float warmupTeacherTemperature, float teacherTemperature, int teacherTemperatureWarmupSteps,
                         float centerMomentum, int freezeLastLayerSteps, float emaBase, float emaFinal) {
        public static Params from(MethodOptions o) {
            return new Params(o.getInt("projector_hidden", 2048), o.getInt("bottleneck", 256),
                    o.getInt("output_dim", 4096), o.getFloat("student_temp", 0.1f),
                    o.getFloat("warmup_teacher_temp", 0.04f), o.getFloat("teacher_temp", 0.07f),
                    o.getInt("teacher_temp_warmup_steps", 1000), o.getFloat("center_momentum", 0.9f),
                    o.getInt("freeze_last_layer_steps", 313), o.getFloat("ema_base", 0.996f),
                    o.getFloat("ema_final", 1f));
        }

        /** Linear warm-up of the teacher temperature, then constant (paper, Sec. 4.1). */
        public float teacherTemperature(long step) {
            float progress = Math.min(1f, (float) step / Math.max(1, teacherTemperatureWarmupSteps));
            return warmupTeacherTemperature + (teacherTemperature - warmupTeacherTemperature) * progress;
        }
    }

    private final Params params;
    private final Network head;
    private final Network lastLayer;
    private final GradientFreeze lastLayerFreeze;
    private final NDArray center;
    private NDArray pendingTeacherOutputs;

    public Dino(MethodSetup setup) {
        super("dino", setup);
        params = Params.from(setup.options());
        int dim = setup.featureDim();
        head = setup.head("head", DinoHead.mlp(params.hidden, params.bottleneck), dim);
        lastLayer = setup.head("last_layer", new WeightNormLinear(params.outputDim), params.bottleneck);
        momentum(params.emaBase, params.emaFinal,
                MomentumPair.of(backbone, setup.backbone("teacher_backbone")),
                MomentumPair.of(head, setup.head("teacher_head", DinoHead.mlp(params.hidden, params.bottleneck), dim)),
                MomentumPair.of(lastLayer, setup.head("teacher_last_layer",
                        new WeightNormLinear(params.outputDim), params.bottleneck)));
        lastLayerFreeze = new GradientFreeze(lastLayer, params.freezeLastLayerSteps);
        center = setup.manager().zeros(new Shape(1, params.outputDim));
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, head, lastLayer);
    }



    /** The running centre c (1, K) of the teacher's outputs. */
    public NDArray center() {
        return center;
    }

    @Override
    public NDArray loss(NDArray view1, NDArray view2, long step) {
        NDArray h1 = project(head, view1);
        keepProjection(h1);
        NDArray student1 = lastLayer.forward(Tensors.l2Normalize(h1), true);
        NDArray student2 = lastLayer.forward(Tensors.l2Normalize(project(head, view2)), true);
        NDArray teacher1 = teacher(view1);
        NDArray teacher2 = teacher(view2);
        pendingTeacherOutputs = teacher1.concat(teacher2, 0);
        return DinoLoss.loss(student1, student2, teacher1, teacher2, center,
                params.studentTemperature, params.teacherTemperature(step));
    }

    private NDArray teacher(NDArray view) {
        Network teacherBackbone = momentumPairs().get(0).target();
        Network teacherHead = momentumPairs().get(1).target();
        Network teacherLast = momentumPairs().get(2).target();
        NDArray h = teacherHead.forward(teacherBackbone.forward(view, true), true);
        return teacherLast.forward(Tensors.l2Normalize(h), true).stopGradient();
    }

    @Override
    public void beforeUpdate(long step) {
        lastLayerFreeze.apply(step);
    }

    /** c = m c + (1 - m) mean of the teacher outputs of both views (paper eq. 4, official update_center). */
    @Override
    public void afterStep() {
        float m = params.centerMomentum;
        center.muli(m).addi(pendingTeacherOutputs.mean(new int[] {0}, true).mul(1 - m));
        pendingTeacherOutputs = null;
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        state.tensor("center", center);
    }
}
