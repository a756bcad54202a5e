package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.state.StateVisitor;
import ai.oxbow.model.train.DataParallel;
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
    private final boolean joint;
    /** The other ranks when this method trains a slice of a global batch; null alone. */
    private DataParallel parallel;
    /**
     * Groups of the batch that BatchNorm normalises separately (1: the whole batch): a single
     * trainer with N groups takes the steps N data-parallel ranks take with per-rank statistics.
     */
    private int batchNormGroups = 1;

    /**
     * How the views of a batch go through the networks. {@code EACH}: one forward per view, so
     * BatchNorm normalises each view over its own batch, the semantics of the methods whose
     * reference code runs the network once per view (MoCo, BYOL, SimSiam, Barlow Twins, VICReg,
     * Mean Shift, and NNCLR as solo-learn). {@code JOINT}: the views of one size concatenated into
     * one forward pass, so BatchNorm normalises over all of them, as the references of SimCLR,
     * SwAV and DINO (per resolution) and EMP-SSL concatenate theirs, and one pass instead of V.
     * A method declares its paper's; the method option {@code view_forward=each|joint} overrides
     * it (which changes the BatchNorm statistics the loss sees).
     */
    public enum ViewForward {
        EACH,
        JOINT
    }

    /** The method option that overrides {@link ViewForward}. */
    public static final String VIEW_FORWARD = "view_forward";

    protected SslMethod(String name, MethodSetup setup, ViewForward paperForward) {
        this.name = name;
        this.backbone = setup.backbone("backbone");
        String forward = setup.options().getString(VIEW_FORWARD, paperForward.name());
        if (!forward.equalsIgnoreCase("each") && !forward.equalsIgnoreCase("joint")) {
            throw new IllegalArgumentException(
                    "method option view_forward must be each or joint, not '" + forward + "'");
        }
        this.joint = forward.equalsIgnoreCase("joint");
    }

    public final String name() {
        return name;
    }

    /** The online encoder: it is optimised and it makes the published embeddings. */
    public final Network backbone() {
        return backbone;
    }

    /** Views per image the loss needs: two to compare for the joint-embedding methods. */
    public int minViews() {
        return 2;
    }

    /** AdamW's beta2 for this method (MAE's is 0.95); the other optimisers have none. */
    public float adamBeta2() {
        return 0.999f;
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

    /**
     * Before the loss, outside autograd (grad mode off): what needs no gradient, such as the EMA
     * targets' forward passes (kept for {@link #loss}) or re-normalising SwAV's prototypes.
     */
    public void beforeStep(Views views, long step) {}

    /**
     * The loss of optimiser step {@code step} on the views of a batch (each (N, C, H, W)),
     * computed inside a gradient collector.
     */
    public abstract NDArray loss(Views views, long step);

    /**
     * The online projections (N, D) of the first view computed by the last {@link #loss}, detached,
     * handed over once: the trainer reads them inside the same step (collapse indicator), and the
     * method keeps no array past the step whose scope frees it.
     */
    public final NDArray takeProjection() {
        NDArray out = projection;
        projection = null;
        return out;
    }

    /** The online backbone alone on the views, in training mode, as {@link ViewForward} says. */
    protected final List<NDArray> features(List<NDArray> views) {
        return joint ? forwardJoint(List.of(backbone), views) : forwardEach(List.of(backbone), views);
    }

    /**
     * The online backbone then a head on the views, in training mode, as {@link ViewForward}
     * says: one (N, D) projection per view, in order.
     */
    protected final List<NDArray> project(Network head, List<NDArray> views) {
        List<Network> chain = List.of(backbone, head);
        return joint ? forwardJoint(chain, views) : forwardEach(chain, views);
    }

    /**
     * The EMA targets declared with {@link #momentum}, applied in order (target backbone, then
     * target heads), on the views as {@link ViewForward} says, in training mode (BatchNorm on the
     * batch, as the online side), detached. Called from {@link #beforeStep}, where grad mode is
     * off; the frozen targets would record no graph anyway.
     */
    protected final List<NDArray> target(List<NDArray> views) {
        List<Network> chain = momentum.stream().map(MomentumPair::target).toList();
        return (joint ? forwardJoint(chain, views) : forwardEach(chain, views))
                .stream().map(NDArray::stopGradient).toList();
    }

    /**
     * A head on several inputs of one shape in one pass (its BatchNorm sees all their rows, with
     * BatchNorm groups each group's), split back into one output per input.
     */
    protected final List<NDArray> jointly(Network head, List<NDArray> inputs) {
        return forwardJoint(List.of(head), inputs);
    }

    /** The networks in order, in training mode. */
    private static NDArray forward(List<Network> chain, NDArray view) {
        NDArray x = view;
        for (Network net : chain) {
            x = net.forward(x, true);
        }
        return x;
    }

    private static List<NDArray> forwardEach(List<Network> chain, List<NDArray> views) {
        return views.stream().map(v -> forward(chain, v)).toList();
    }

    /**
     * One pass per run of consecutive same-shaped views, split back into one output per view. With
     * BatchNorm groups, a run's rows are passed group-major (each group's rows of every view of
     * the run together), as each rank concatenates its own views.
     */
    private List<NDArray> forwardJoint(List<Network> chain, List<NDArray> views) {
        List<NDArray> out = new ArrayList<>(views.size());
        int from = 0;
        while (from < views.size()) {
            int to = from + 1;
            while (to < views.size()
                    && views.get(to).getShape().equals(views.get(from).getShape())) {
                to++;
            }
            if (to - from == 1) {
                out.add(forward(chain, views.get(from)));
            } else {
                out.addAll(forwardRun(chain, views.subList(from, to)));
            }
            from = to;
        }
        return out;
    }

    private List<NDArray> forwardRun(List<Network> chain, List<NDArray> run) {
        int g = batchNormGroups;
        long n = run.get(0).getShape().get(0) / g;
        NDList rows = new NDList();
        for (int group = 0; group < g; group++) {
            for (NDArray view : run) {
                rows.add(g == 1 ? view : view.get(new NDIndex("{}:{}", group * n, (group + 1) * n)));
            }
        }
        NDArray joint = forward(chain, NDArrays.concat(rows, 0));
        List<NDArray> out = new ArrayList<>(run.size());
        for (int v = 0; v < run.size(); v++) {
            NDList viewRows = new NDList();
            for (int group = 0; group < g; group++) {
                long at = (group * run.size() + v) * n;
                viewRows.add(joint.get(new NDIndex("{}:{}", at, at + n)));
            }
            out.add(g == 1 ? viewRows.get(0) : NDArrays.concat(viewRows, 0));
        }
        return out;
    }

    /** Called by {@link #loss} with the online projections of the first view (this rank's rows). */
    protected final void keepProjection(NDArray projections) {
        projection = gather(projections).stopGradient();
    }

    /** Trains one rank's slice of each global batch, with these peers (see {@link DataParallel}). */
    public final void distribute(DataParallel ranks) {
        this.parallel = ranks;
    }

    /** The group this method trains in, or null alone. */
    protected final DataParallel parallel() {
        return parallel;
    }

    /**
     * Normalises the batch in {@code groups} equal groups, each with its own BatchNorm
     * statistics, as that many data-parallel ranks of one group each would (rows in rank order).
     */
    public final void splitBatchNorm(int groups) {
        batchNormGroups = groups;
        for (Network net : networks()) {
            net.splitBatches(groups);
        }
    }

    /**
     * Rows of a batch-coupled quantity of this rank's images with every other rank's, in rank
     * order, before a loss couples them (negatives, batch statistics, codes, centres, queues):
     * the loss is then the whole global batch's on every rank, and gradients flow through this
     * rank's rows only. Alone, the arrays themselves. Gather only what no parameter acts on
     * afterwards: a parameter applied to every rank's rows would be trained by each rank.
     */
    protected final List<NDArray> gather(List<NDArray> local) {
        return parallel == null ? local : parallel.gather(local);
    }

    protected final NDArray gather(NDArray local) {
        return parallel == null ? local : parallel.gather(List.of(local)).get(0);
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
