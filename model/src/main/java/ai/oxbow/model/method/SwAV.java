package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.core.Linear;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.SinkhornKnopp;
import ai.oxbow.model.loss.SwappedPrediction;
import ai.oxbow.model.nd.Tensors;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.state.StateVisitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SwAV (Caron et al., 2020, "Unsupervised Learning of Visual Features by Contrasting Cluster
 * Assignments"): l2-normalised projections z are scored against K trainable unit-norm prototypes,
 * each view's scores give balanced soft codes by Sinkhorn-Knopp (no gradient), and each view
 * predicts the other's codes ({@link SwappedPrediction}). As in the official main_swav.py, the
 * prototypes are re-normalised before every step and their gradients are dropped for the first
 * {@code freeze_prototypes_steps} steps.
 *
 * <p>Optional queue (official {@code queue_length}, default 0 = off): per view, the projections
 * of past batches. Once full, its scores against the current prototypes are prepended to the
 * Sinkhorn input (more samples to balance small batches) and only the batch's codes are kept;
 * the batch enters the queue after the step. The official code starts the queue at an epoch
 * ({@code epoch_queue_starts}); here it fills from the first step and is used as soon as it is
 * full, the official "use once the last row is written" rule.
 *
 * <p>Multi-crop as published: codes come from the global views only ({@code crops_for_assign}),
 * each predicted from every other view, local crops included, the sub-losses averaged
 * ({@link SwappedPrediction}); the views of one size go through the network together, as the
 * reference's multi-resolution forward. One queue per global view.
 */
public final class SwAV extends SslMethod {

    /**
     * Paper defaults: t = 0.1, eps = 0.05, 3 Sinkhorn iterations, K = 3000 prototypes, 2048-128
     * projector, no queue; prototypes frozen for 313 steps (main_swav.py
     * {@code freeze_prototypes_niters}, one ImageNet epoch at batch 4096).
     */
    public record Params(
            float temperature,
            float epsilon,
            int sinkhornIterations,
            int prototypes,
            int queueSize,
            int freezePrototypesSteps,
            int projectorHidden,
            int projectorOut) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("temperature", 0.1f),
                    o.getFloat("epsilon", 0.05f),
                    o.getInt("sinkhorn_iterations", 3),
                    o.getInt("prototypes", 3000),
                    o.getInt("queue_size", 0),
                    o.getInt("freeze_prototypes_steps", 313),
                    o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 128));
        }
    }

    private final Params params;
    private final Network projector;
    private final Network prototypes;
    private final GradientFreeze prototypeFreeze;
    private final FeatureQueue[] queues;
    private List<NDArray> pendingEmbeddings;

    public SwAV(MethodSetup setup) {
        super("swav", setup, ViewForward.JOINT);
        params = Params.from(setup.options());
        projector = setup.head(
                "projector",
                Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false),
                setup.featureDim());
        prototypes = setup.head(
                "prototypes",
                Linear.builder().setUnits(params.prototypes).optBias(false).build(),
                params.projectorOut);
        prototypeFreeze = new GradientFreeze(prototypes, params.freezePrototypesSteps);
        queues = new FeatureQueue[params.queueSize > 0 ? setup.globalViews() : 0];
        for (int v = 0; v < queues.length; v++) {
            queues[v] = new FeatureQueue(setup.manager(), params.queueSize, params.projectorOut);
        }
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector, prototypes);
    }

    /** The prototype matrix C (K, D), one prototype per row. */
    public NDArray prototypeMatrix() {
        return prototypes.trainable().get(0).getValue().getArray();
    }

    /** Projects every prototype back onto the unit sphere (main_swav.py, before each forward). */
    @Override
    public void beforeStep(Views views, long step) {
        NDArray c = prototypeMatrix();
        Tensors.l2Normalize(c).copyTo(c);
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> h = project(projector, views.all());
        keepProjection(h.get(0));
        List<NDArray> z = h.stream().map(Tensors::l2Normalize).toList();
        pendingEmbeddings = gather(z.subList(0, views.globals()).stream()
                .map(NDArray::stopGradient)
                .toList());
        List<NDArray> scores =
                gather(z.stream().map(zv -> prototypes.forward(zv, true)).toList());
        List<NDArray> codes = new ArrayList<>();
        for (int g = 0; g < views.globals(); g++) {
            codes.add(codes(scores.get(g), g));
        }
        return SwappedPrediction.loss(scores, codes, params.temperature);
    }

    /** Sinkhorn codes of one view's batch, balanced together with that view's queue once it is full. */
    private NDArray codes(NDArray scores, int view) {
        if (queues.length == 0 || queues[view].filled() < queues[view].capacity()) {
            return SinkhornKnopp.codes(scores, params.epsilon, params.sinkhornIterations);
        }
        NDArray queued =
                queues[view].all().matMul(prototypeMatrix().stopGradient().transpose());
        NDArray all = SinkhornKnopp.codes(queued.concat(scores, 0), params.epsilon, params.sinkhornIterations);
        return all.get(new NDIndex("{}:", params.queueSize));
    }

    @Override
    public void beforeUpdate(long step) {
        prototypeFreeze.apply(step);
    }

    @Override
    public void afterStep() {
        for (int v = 0; v < queues.length; v++) {
            queues[v].enqueue(pendingEmbeddings.get(v));
        }
        pendingEmbeddings = null;
    }

    @Override
    public Map<String, Long> bufferFill() {
        return queues.length == 0 ? Map.of() : Map.of("queue", queues[0].filled());
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        for (int v = 0; v < queues.length; v++) {
            queues[v].visit("queue" + v, state);
        }
    }
}
