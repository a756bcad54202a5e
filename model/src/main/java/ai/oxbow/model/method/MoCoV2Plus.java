package ai.oxbow.model.method;

import ai.oxbow.model.nd.Scalars;
import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.InfoNce;
import ai.oxbow.model.nd.Network;
import ai.oxbow.model.nd.Tensors;
import ai.oxbow.model.train.StateVisitor;

import java.util.List;
import java.util.Map;

/**
 * MoCo v2+ (Chen et al., 2020, "Improved Baselines with Momentum Contrastive Learning", made
 * symmetric as in solo-learn): a query encoder and an EMA key encoder, each with an MLP
 * projector, InfoNCE against a FIFO queue of past keys. Keys are stop-gradient. One queue per
 * view: the query of view 1 is scored against keys of view 2 and the queue of view-2 keys.
 */
public final class MoCoV2Plus extends SslMethod {

    /** Paper defaults: t = 0.2, K = 4096 per view (Fashion-MNIST sized), 2048-128 projector. */
    public record Params(float temperature, int queueSize, int projectorHidden, int projectorOut,
                         float emaBase, float emaFinal) {
        public static Params from(MethodOptions o) {
            return new Params(o.getFloat("temperature", 0.2f), o.getInt("queue_size", 4096),
                    o.getInt("projector_hidden", 2048), o.getInt("projector_out", 128),
                    o.getFloat("ema_base", 0.99f), o.getFloat("ema_final", 0.999f));
        }
    }

    private final Params params;
    private final Network projector;
    private final FeatureQueue[] queues = new FeatureQueue[2];
    private NDArray[] pendingKeys;

    public MoCoV2Plus(MethodSetup setup) {
        super("mocov2", setup);
        params = Params.from(setup.options());
        int dim = setup.featureDim();
        projector = setup.head("projector", Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        Network keyBackbone = setup.backbone("momentum_backbone");
        Network keyProjector = setup.head("momentum_projector",
                Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        momentum(params.emaBase, params.emaFinal,
                MomentumPair.of(backbone, keyBackbone), MomentumPair.of(projector, keyProjector));
        for (int v = 0; v < 2; v++) {
            queues[v] = new FeatureQueue(setup.manager(), params.queueSize, params.projectorOut)
                    .fillRandomUnit(setup.manager());
        }
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector);
    }



    /** Queue holding keys of the given view (0 or 1). */
    public FeatureQueue queue(int view) {
        return queues[view];
    }

    @Override
    public NDArray loss(NDArray view1, NDArray view2, long step) {
        NDArray z1 = project(projector, view1);
        keepProjection(z1);
        NDArray q1 = Tensors.l2Normalize(z1);
        NDArray q2 = Tensors.l2Normalize(project(projector, view2));
        NDArray k1 = key(view1);
        NDArray k2 = key(view2);
        pendingKeys = new NDArray[] {k1, k2};
        float t = params.temperature;
        return Scalars.div(InfoNce.withQueue(q1, k2, queues[1].all(), t)
                .add(InfoNce.withQueue(q2, k1, queues[0].all(), t)), 2);
    }

    private NDArray key(NDArray view) {
        Network keyBackbone = momentumPairs().get(0).target();
        Network keyProjector = momentumPairs().get(1).target();
        return Tensors.l2Normalize(keyProjector.forward(keyBackbone.forward(view, true), true)).stopGradient();
    }

    @Override
    public void afterStep() {
        queues[0].enqueue(pendingKeys[0]);
        queues[1].enqueue(pendingKeys[1]);
        pendingKeys = null;
    }

    @Override
    public Map<String, Long> bufferFill() {
        return Map.of("queue", queues[0].filled());
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        queues[0].visit("queue0", state);
        queues[1].visit("queue1", state);
    }
}
