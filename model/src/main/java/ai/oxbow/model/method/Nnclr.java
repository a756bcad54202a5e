package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.InfoNce;
import ai.oxbow.model.nd.Tensors;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.state.StateVisitor;
import java.util.List;
import java.util.Map;

/**
 * NNCLR (Dwibedi et al., 2021, "With a Little Help from My Friends"): the positive of each view
 * is the nearest neighbour of its projection in a FIFO support set of past projections; the
 * loss is in-batch InfoNCE between that neighbour (no gradient) and the other view's predictor
 * output, symmetric. Until the support set holds a row, a view's own projection stands in for
 * its neighbour, which makes the first step SimCLR-like instead of contrasting against noise.
 * With more views, the neighbour of each global view's projection is the anchor of every other
 * view's prediction, averaged over those pairs ({@link InfoNce#inBatch(List, List, float)}); the
 * support set takes the first view's projections, as with two.
 */
public final class Nnclr extends SslMethod {

    /** Paper defaults: t = 0.1, 3-layer 2048-2048-256 projector, 4096-256 predictor. */
    public record Params(
            float temperature, int supportSize, int projectorHidden, int projectorOut, int predictorHidden) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("temperature", 0.1f),
                    o.getInt("support_size", 4096),
                    o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 256),
                    o.getInt("predictor_hidden", 4096));
        }
    }

    private final Params params;
    private final Network projector;
    private final Network predictor;
    private final FeatureQueue support;
    private NDArray pendingProjections;

    public Nnclr(MethodSetup setup) {
        super("nnclr", setup, ViewForward.EACH);
        params = Params.from(setup.options());
        projector = setup.head(
                "projector",
                Mlp.build(new int[] {params.projectorHidden, params.projectorHidden}, params.projectorOut, true),
                setup.featureDim());
        predictor = setup.head(
                "predictor",
                Mlp.build(new int[] {params.predictorHidden}, params.projectorOut, false),
                params.projectorOut);
        support = new FeatureQueue(setup.manager(), params.supportSize, params.projectorOut);
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector, predictor);
    }

    public FeatureQueue supportSet() {
        return support;
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> z = project(projector, views.all());
        keepProjection(z.get(0));
        List<NDArray> p = gather(z.stream()
                .map(zv -> Tensors.l2Normalize(predictor.forward(zv, true)))
                .toList());
        List<NDArray> globals = gather(z.subList(0, views.globals()).stream()
                .map(zg -> Tensors.l2Normalize(zg).stopGradient())
                .toList());
        List<NDArray> neighbours = globals.stream().map(this::nearestNeighbour).toList();
        pendingProjections = globals.get(0);
        return InfoNce.inBatch(neighbours, p, params.temperature);
    }

    /** The support-set row with the highest cosine similarity to each (normalised) row of z. */
    NDArray nearestNeighbour(NDArray z) {
        NDArray rows = support.written();
        if (rows == null) {
            return z;
        }
        NDArray index = z.matMul(rows.transpose()).argMax(1);
        return rows.get(new NDIndex("{}", index));
    }

    @Override
    public void afterStep() {
        support.enqueue(pendingProjections);
        pendingProjections = null;
    }

    @Override
    public Map<String, Long> bufferFill() {
        return Map.of("support_set", support.filled());
    }

    @Override
    public void visitBuffers(StateVisitor state) {
        support.visit("support", state);
    }
}
