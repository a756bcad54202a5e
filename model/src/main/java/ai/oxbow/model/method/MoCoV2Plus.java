package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.InfoNce;
import ai.oxbow.model.nd.Tensors;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.state.StateVisitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * MoCo v2+ (Chen et al., 2020, "Improved Baselines with Momentum Contrastive Learning", made
 * symmetric as in solo-learn): a query encoder and an EMA key encoder, each with an MLP
 * projector, InfoNCE against a FIFO queue of past keys. Keys are stop-gradient. One queue per
 * global view: the query of view 1 is scored against the key of view 2 and the queue of view-2
 * keys. With more views, every view's query is scored against the key and queue of every other
 * global view, averaged over those pairs ({@link InfoNce#withQueues}); keys come from the global
 * views only, as the targets of multi-crop (SwAV, DINO).
 */
public final class MoCoV2Plus extends SslMethod {

    /** Paper defaults: t = 0.2, K = 4096 per view (Fashion-MNIST sized), 2048-128 projector. */
    public record Params(
            float temperature, int queueSize, int projectorHidden, int projectorOut, float emaBase, float emaFinal) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("temperature", 0.2f),
                    o.getInt("queue_size", 4096),
                    o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 128),
                    o.getFloat("ema_base", 0.99f),
                    o.getFloat("ema_final", 0.999f));
        }
    }

    private final Params params;
    private final Network projector;
    private final List<FeatureQueue> queues = new ArrayList<>();
    private List<NDArray> pendingKeys;

    public MoCoV2Plus(MethodSetup setup) {
        super("mocov2", setup, ViewForward.EACH);
        params = Params.from(setup.options());
        int dim = setup.featureDim();
        projector =
                setup.head("projector", Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        Network keyBackbone = setup.backbone("momentum_backbone");
        Network keyProjector = setup.head(
                "momentum_projector", Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        momentum(
                params.emaBase,
                params.emaFinal,
                MomentumPair.of(backbone, keyBackbone),
                MomentumPair.of(projector, keyProjector));
        for (int v = 0; v < setup.globalViews(); v++) {
            queues.add(new FeatureQueue(setup.manager(), params.queueSize, params.projectorOut)
                    .fillRandomUnit(setup.manager()));
        }
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector);
    }

    /** Queue holding keys of the given global view. */
    public FeatureQueue queue(int view) {
        return queues.get(view);
    }

    /** The keys: the key encoder on the global views, with grad mode off. */
    @Override
    public void beforeStep(Views views, long step) {
        pendingKeys =
                gather(target(views.global()).stream().map(Tensors::l2Normalize).toList());
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> z = project(projector, views.all());
        keepProjection(z.get(0));
        List<NDArray> keys = pendingKeys;
        List<NDArray> negatives = new ArrayList<>();
        for (FeatureQueue queue : queues) {
            negatives.add(queue.all());
        }
        return InfoNce.withQueues(
                gather(z.stream().map(Tensors::l2Normalize).toList()), keys, negatives, params.temperature);
    }

    @Override
    public void afterStep() {
        for (int v = 0; v < queues.size(); v++) {
            queues.get(v).enqueue(pendingKeys.get(v));
        }
        pendingKeys = null;
    }

    @Override
    public Map<String, Long> bufferFill() {
        return Map.of("queue", queues.get(0).filled());
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        for (int v = 0; v < queues.size(); v++) {
            queues.get(v).visit("queue" + v, state);
        }
    }
}
