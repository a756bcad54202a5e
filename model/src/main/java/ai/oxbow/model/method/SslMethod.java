package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Network;
import ai.oxbow.model.train.StateVisitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One self-supervised method: its networks, its momentum pairs, its own buffers and its loss.
 * The trainer owns the optimisation loop; a method only says what to compute.
 */
public abstract class SslMethod {
    private final String name;
    /** The online encoder, built first so that every method initialises it from the same seed state. */
    protected final Network backbone;
    private List<MomentumPair> momentum = List.of();
    private float emaBase = 1f;
    private float emaFinal = 1f;
    private NDArray projection;

    protected SslMethod(String name, MethodSetup setup) {
        this.name = name;
        this.backbone = setup.backbone("backbone");
    }

    public final String name() {
        return name;
    }

    /** The online encoder: it is optimised and it makes the published embeddings. */
    public final Network backbone() {
        return backbone;
    }

    /** Networks optimised by gradient descent (backbone first). */
    public abstract List<Network> online();

    /** Online/target pairs updated by EMA after each optimiser step. */
    public final List<MomentumPair> momentumPairs() {
        return momentum;
    }

    /** EMA momentum tau at step 0 and at the schedule horizon (cosine in between). */
    public final float[] emaRange() {
        return new float[] {emaBase, emaFinal};
    }

    /** For methods with EMA targets: the pairs, and tau at step 0 and at the horizon. */
    protected final void momentum(float base, float fin, MomentumPair... pairs) {
        momentum = List.of(pairs);
        emaBase = base;
        emaFinal = fin;
    }

    /** Before the forward pass, outside autograd (e.g. re-normalise SwAV's prototypes). */
    public void beforeStep(long step) {}

    /**
     * The loss of optimiser step {@code step} on two views (N, C, H, W), computed inside a
     * gradient collector.
     */
    public abstract NDArray loss(NDArray view1, NDArray view2, long step);

    /**
     * The online projections (N, D) of view 1 computed by the last {@link #loss}, detached; read
     * by the trainer inside the same step for the collapse indicator.
     */
    public final NDArray lastProjection() {
        return projection;
    }

    /** The online backbone then a head, in training mode: the first line of most losses. */
    protected final NDArray project(Network head, NDArray view) {
        return head.forward(backbone.forward(view, true), true);
    }

    /** Called by {@link #loss} with the online projections of view 1. */
    protected final void keepProjection(NDArray projections) {
        projection = projections.stopGradient();
    }

    /** After backward, before the optimiser (e.g. drop gradients of frozen prototypes). */
    public void beforeUpdate(long step) {}

    /** After the update: buffers (queues, support sets, centres) take what {@link #loss} computed. */
    public void afterStep() {}

    /** Rows written into each buffer (queue, support set), for metrics. */
    public Map<String, Long> bufferFill() {
        return Map.of();
    }

    /** Saves or restores the method's buffers. */
    public void visitBuffers(StateVisitor state) {}

    /** Every network whose arrays are state: online ones, then targets. */
    public final List<Network> networks() {
        List<Network> all = new ArrayList<>(online());
        for (MomentumPair pair : momentumPairs()) {
            all.add(pair.target());
        }
        return all;
    }
}
