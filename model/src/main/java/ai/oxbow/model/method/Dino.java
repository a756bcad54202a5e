package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.head.DinoHead;
import ai.oxbow.model.head.WeightNormLinear;
import ai.oxbow.model.loss.DinoLoss;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.state.StateVisitor;
import java.util.List;

/**
 * DINO (Caron et al., 2021, "Emerging Properties in Self-Supervised Vision Transformers"):
 * self-distillation without labels. The student (backbone, MLP head, l2-normalised bottleneck,
 * weight-normalised last layer to K outputs) matches on each view the teacher's centred,
 * sharpened output of the other view ({@link DinoLoss}); the teacher is an EMA of the student
 * (tau 0.999 to 1 on a cosine) and the centre an EMA (momentum 0.9) of the teacher's batch mean,
 * updated after each step. The teacher temperature warms up linearly from 0.04 to 0.07 and the
 * last layer's gradients are dropped at the start (official {@code freeze_last_layer}).
 *
 * <p>Multi-crop as published: the teacher sees the global views only, the student every view,
 * and each teacher output is the target of every other view ({@link DinoLoss}); the views of one
 * size go through each network together, as the official MultiCropWrapper.
 *
 * <p>Deviations, documented: K defaults to 4096 (solo-learn's CIFAR setting, affordable on CPU)
 * instead of the paper's 65536; no gradient clipping (solo-learn's CIFAR default; the official
 * ViT recipe clips at 3.0).
 */
public final class Dino extends SslMethod {

    /**
     * Defaults: 2048-2048-256 GELU head without BatchNorm (solo-learn CIFAR ResNet), K = 4096
     * ({@code output_dim}; paper 65536), student t = 0.1, teacher t 0.04 -> 0.07 over 1000 steps
     * (paper: 30 of 300 epochs, a tenth of training; a tenth of the trainer's default 10,000-step
     * horizon), centre momentum 0.9, last layer frozen for 313 steps (official: one epoch; the
     * same step count SwAV's official code uses for its one-epoch prototype freeze), EMA
     * 0.999 -> 1: between the paper's ImageNet 0.996 and solo-learn's CIFAR 0.9995, the slower
     * teacher scored more in one pass (docs/quality.md: 0.8442 vs 0.8410 kNN at 60,000 events;
     * 0.7794 vs 0.7760 at 10,000, where 0.99 fell to 0.7603).
     */
    public record Params(
            int hidden,
            int bottleneck,
            int outputDim,
            float studentTemperature,
            float warmupTeacherTemperature,
            float teacherTemperature,
            int teacherTemperatureWarmupSteps,
            float centerMomentum,
            int freezeLastLayerSteps,
            float emaBase,
            float emaFinal) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getInt("projector_hidden", 2048),
                    o.getInt("bottleneck", 256),
                    o.getInt("output_dim", 4096),
                    o.getFloat("student_temp", 0.1f),
                    o.getFloat("warmup_teacher_temp", 0.04f),
                    o.getFloat("teacher_temp", 0.07f),
                    o.getInt("teacher_temp_warmup_steps", 1000),
                    o.getFloat("center_momentum", 0.9f),
                    o.getInt("freeze_last_layer_steps", 313),
                    o.getFloat("ema_base", 0.999f),
                    o.getFloat("ema_final", 1f));
        }

        /**
         * Linear warm-up of the teacher temperature, then constant (paper, Sec. 4.1), as the
         * official schedule {@code linspace(warmup_teacher_temp, teacher_temp, W)} followed by
         * {@code teacher_temp}: step s < W gets the s-th of W evenly spaced values, so the final
         * temperature is reached at step W - 1.
         */
        public float teacherTemperature(long step) {
            if (step >= teacherTemperatureWarmupSteps) {
                return teacherTemperature;
            }
            if (teacherTemperatureWarmupSteps == 1) {
                return warmupTeacherTemperature;
            }
            return warmupTeacherTemperature
                    + (teacherTemperature - warmupTeacherTemperature) * step / (teacherTemperatureWarmupSteps - 1);
        }
    }

    private final Params params;
    private final Network head;
    private final Network lastLayer;
    private final GradientFreeze lastLayerFreeze;
    private final NDArray center;
    private List<NDArray> pendingTeacherOutputs;

    public Dino(MethodSetup setup) {
        super("dino", setup, ViewForward.JOINT);
        params = Params.from(setup.options());
        int dim = setup.featureDim();
        head = setup.head("head", DinoHead.mlp(params.hidden, params.bottleneck), dim);
        lastLayer = setup.head("last_layer", new WeightNormLinear(params.outputDim), params.bottleneck);
        momentum(
                params.emaBase,
                params.emaFinal,
                MomentumPair.of(backbone, setup.backbone("teacher_backbone")),
                MomentumPair.of(head, setup.head("teacher_head", DinoHead.mlp(params.hidden, params.bottleneck), dim)),
                MomentumPair.of(
                        lastLayer,
                        setup.head("teacher_last_layer", new WeightNormLinear(params.outputDim), params.bottleneck)));
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

    /** The teacher on the global views, with grad mode off. */
    @Override
    public void beforeStep(Views views, long step) {
        pendingTeacherOutputs = gather(target(views.global()));
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> h = project(head, views.all());
        keepProjection(h.get(0));
        List<NDArray> student =
                gather(h.stream().map(hv -> lastLayer.forward(hv, true)).toList());
        return DinoLoss.loss(
                student, pendingTeacherOutputs, center, params.studentTemperature, params.teacherTemperature(step));
    }

    @Override
    public void beforeUpdate(long step) {
        lastLayerFreeze.apply(step);
    }

    /** c = m c + (1 - m) mean of the teacher outputs of the global views (paper eq. 4, official update_center). */
    @Override
    public void afterStep() {
        float m = params.centerMomentum;
        NDArray outputs = NDArrays.concat(new NDList(pendingTeacherOutputs), 0);
        center.muli(m).addi(outputs.mean(new int[] {0}, true).mul(1 - m));
        pendingTeacherOutputs = null;
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        state.tensor("center", center);
    }
}
