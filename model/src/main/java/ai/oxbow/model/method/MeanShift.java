package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.MeanShiftLoss;
import ai.oxbow.model.nd.Tensors;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.state.StateVisitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mean Shift (Koohpayegani et al., 2021, "Mean Shift for Self-Supervised Learning"): the online
 * network (backbone, projector, predictor) sees view 1 and is pulled towards the k = 5 nearest
 * neighbours, in a FIFO memory bank of target embeddings, of the EMA target network's embedding
 * of view 2 ({@link MeanShiftLoss}). As in the official train_msf.py: one direction only (query
 * view 1, target view 2), a constant EMA momentum of 0.99, a bank initialised with random unit
 * vectors, and the current targets enter the bank <em>before</em> the look-up, so each target is
 * among its own neighbours. The bank itself is written after the step (so a skipped step leaves
 * it intact); the look-up uses the rows it will hold then: the batch's targets plus every row but
 * the oldest {@code B}. Shuffled BatchNorm of the official multi-GPU target is moot on one device.
 * With more views, the target view stays the second global one (the first when there is only
 * one) and every other view is a query, the loss averaged over the queries.
 */
public final class MeanShift extends SslMethod {

    /**
     * Paper defaults: k = 5, EMA momentum 0.99, projector and predictor Linear(d, 2d)-BN-ReLU-
     * Linear(2d, d/4) (train_msf.py derives them from the backbone's d: 2048-4096-512 for a
     * ResNet-50). Memory bank 16,384 rows instead of 128,000: 64 batches of 256, a 4 MiB bank and a
     * cheap look-up on CPU.
     */
    public record Params(
            int memorySize, int neighbours, int projectorHidden, int projectorOut, float emaBase, float emaFinal) {
        public static Params from(MethodOptions o, int featureDim) {
            return new Params(
                    o.getInt("memory_size", 16384),
                    o.getInt("neighbours", 5),
                    o.getInt("projector_hidden", 2 * featureDim),
                    o.getInt("projector_out", featureDim / 4),
                    o.getFloat("ema_base", 0.99f),
                    o.getFloat("ema_final", 0.99f));
        }
    }

    private final Params params;
    private final Network projector;
    private final Network predictor;
    private final FeatureQueue memory;
    private NDArray pendingTargets;

    public MeanShift(MethodSetup setup) {
        super("meanshift", setup, ViewForward.EACH);
        int dim = setup.featureDim();
        params = Params.from(setup.options(), dim);
        projector =
                setup.head("projector", Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        predictor = setup.head(
                "predictor",
                Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false),
                params.projectorOut);
        momentum(
                params.emaBase,
                params.emaFinal,
                MomentumPair.of(backbone, setup.backbone("target_backbone")),
                MomentumPair.of(
                        projector,
                        setup.head(
                                "target_projector",
                                Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false),
                                dim)));
        memory = new FeatureQueue(setup.manager(), params.memorySize, params.projectorOut)
                .fillRandomUnit(setup.manager());
    }

    public Params params() {
        return params;
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector, predictor);
    }

    public FeatureQueue memoryBank() {
        return memory;
    }

    /** The target view: the second global one, or the only one. */
    private static int targetView(Views views) {
        return Math.min(1, views.globals() - 1);
    }

    /** The target embedding of the target view, with grad mode off. */
    @Override
    public void beforeStep(Views views, long step) {
        pendingTargets = gather(Tensors.l2Normalize(
                target(List.of(views.get(targetView(views)))).get(0)));
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> queries = new ArrayList<>(views.all());
        queries.remove(targetView(views));
        List<NDArray> z = project(projector, queries);
        keepProjection(z.get(0));
        List<NDArray> predictions = gather(z.stream()
                .map(zv -> Tensors.l2Normalize(predictor.forward(zv, true)))
                .toList());
        return MeanShiftLoss.loss(predictions, pendingTargets, bankAfterEnqueue(pendingTargets), params.neighbours);
    }

    /** The rows the memory bank holds once the targets are enqueued: the targets, then the survivors. */
    NDArray bankAfterEnqueue(NDArray targets) {
        long capacity = memory.capacity();
        long n = targets.getShape().get(0);
        NDArray kept = targets.get(new NDIndex("{}:", Math.max(0, n - capacity)));
        long survivors = capacity - Math.min(n, capacity);
        if (survivors == 0) {
            return kept;
        }
        long[] rows = new long[(int) survivors];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (memory.pointer() + n + i) % capacity;
        }
        return kept.concat(
                memory.all().get(new NDIndex("{}", targets.getManager().create(rows))), 0);
    }

    @Override
    public void afterStep() {
        memory.enqueue(pendingTargets);
        pendingTargets = null;
    }

    @Override
    public Map<String, Long> bufferFill() {
        return Map.of("memory_bank", memory.filled());
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        memory.visit("memory", state);
    }
}
