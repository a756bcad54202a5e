package ai.oxbow.model.cluster;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import ai.oxbow.model.loss.ScanLoss;
import ai.oxbow.model.method.FeatureQueue;
import ai.oxbow.model.nd.Tensors;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.optim.AdamW;
import ai.oxbow.model.optim.Optimizer;
import ai.oxbow.model.state.StateVisitor;
import ai.oxbow.model.state.Tensor;
import ai.oxbow.model.train.Autograd;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SCAN on the stream (Van Gansbeke et al., ECCV 2020, "SCAN: Learning to Classify Images without
 * Labels"): a linear clustering head on the backbone's features learns that an image and its
 * mined neighbours fall in the same cluster ({@link ScanLoss#of}: consistency + entropy weight 5),
 * optionally with self-labelling ({@link ScanLoss#selfLabel}, confidence 0.99).
 *
 * <p>On a stream, the trainer's own neighbour structure stands in for SCAN's offline mining: a
 * FIFO bank of the last {@link #BANK} training images' features (the first global view, by the
 * backbone as it is after each step). Each step, every image of the batch takes one of its
 * {@link #NEIGHBOURS} nearest bank rows (cosine) at random, as SCAN samples one of its 20 mined
 * neighbours. The backbone is co-trained by the self-supervised method, frozen for the head (the
 * features are detached): SCAN's second stage fine-tunes the backbone too, here the method owns it.
 * Self-labelling takes the first global view as the weak and the second as the strong
 * augmentation and runs beside the SCAN loss (SCAN runs it as a later stage; with no confident
 * sample it is zero). Optimiser: SCAN's configs' Adam at lr 1e-4 with weight decay 1e-4, as AdamW.
 * Head, optimiser moments, bank and the neighbour draw's seed are trainer state.
 */
public final class ScanStage {
    public static final int NEIGHBOURS = 20;
    public static final int BANK = 4096;
    static final float LEARNING_RATE = 1e-4f;
    static final float WEIGHT_DECAY = 1e-4f;

    private final boolean selfLabel;
    private final Network head;
    private final Network published;
    private final Optimizer optimizer;
    private final FeatureQueue bank;
    private long seed;
    private long steps;

    public ScanStage(NDManager manager, int dim, int clusters, boolean selfLabel, long seed) {
        if (clusters < 2) {
            throw new IllegalArgumentException("--scan-clusters must be 0 (off) or at least 2, not " + clusters);
        }
        this.selfLabel = selfLabel;
        this.seed = seed;
        this.head = new Network("scan", linear(clusters), manager, new Shape(2, dim));
        this.published = new Network("scan_published", linear(clusters), manager, new Shape(2, dim));
        published.copyFrom(head);
        published.freeze();
        this.optimizer = new AdamW(head.trainable(), 0.9f, 0.999f, WEIGHT_DECAY);
        this.bank = new FeatureQueue(manager, BANK, dim);
    }

    /** PyTorch's nn.Linear initialisation, U(+-1/sqrt(dim)) for the weights (biases 0), as SCAN's head. */
    private static Linear linear(int clusters) {
        Linear l = Linear.builder().setUnits(clusters).build();
        l.setInitializer(
                new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN, 1),
                Parameter.Type.WEIGHT);
        return l;
    }

    /**
     * One step of the head on a batch's features (detached): the first global view's (anchors) and,
     * for self-labelling, the second's (null without it). The anchors then join the bank.
     *
     * @return the loss, NaN when the bank was still empty (nothing to pair with)
     */
    public float train(NDArray anchors, NDArray strong, long step) {
        float loss = Float.NaN;
        NDArray rows = bank.written();
        if (rows != null) {
            NDArray neighbours = rows.get(new NDIndex("{}", neighbourIndex(anchors, rows, step)));
            try (Autograd collector = Autograd.record()) {
                NDArray logits = head.forward(anchors, true);
                NDArray l = ScanLoss.of(logits, head.forward(neighbours, true), ScanLoss.ENTROPY_WEIGHT);
                if (selfLabel && strong != null) {
                    l = l.add(ScanLoss.selfLabel(logits, head.forward(strong, true), ScanLoss.CONFIDENCE));
                }
                loss = l.getFloat();
                if (Float.isFinite(loss)) {
                    collector.backward(l);
                }
            }
            if (Float.isFinite(loss)) {
                optimizer.step(LEARNING_RATE, steps++);
            }
            optimizer.zeroGradients();
        }
        bank.enqueue(anchors);
        return loss;
    }

    /** For each anchor, one of its nearest bank rows (cosine), drawn from (seed, step). */
    private NDArray neighbourIndex(NDArray anchors, NDArray rows, long step) {
        int n = Math.toIntExact(anchors.getShape().get(0));
        int k = (int) Math.min(NEIGHBOURS, rows.getShape().get(0));
        long[] top = Tensors.l2Normalize(anchors)
                .matMul(Tensors.l2Normalize(rows).transpose())
                .topK(k, 1, true, false)
                .get(1)
                .toLongArray();
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        long[] picked = new long[n];
        for (int i = 0; i < n; i++) {
            picked[i] = top[i * k + random.nextInt(k)];
        }
        return anchors.getManager().create(picked);
    }

    /** Takes the head as it is now for the published encoder version. */
    public void publish() {
        published.copyFrom(head);
    }

    /** The published head's tensors, named for the encoder snapshot. */
    public List<Tensor> publishedTensors() {
        List<Tensor> out = new ArrayList<>();
        for (Pair<String, Parameter> p : published.parameters()) {
            NDArray a = p.getValue().getArray();
            String name = p.getKey().endsWith("weight") ? "weight" : "bias";
            out.add(new Tensor(ClusterHead.PREFIX + name, a.getShape().getShape(), a.toFloatArray()));
        }
        return out;
    }

    /** Rows written into the bank, for metrics. */
    public long bankFill() {
        return bank.filled();
    }

    public void visit(StateVisitor state) {
        for (Network net : List.of(head, published)) {
            for (Pair<String, Parameter> p : net.parameters()) {
                state.tensor("network/" + p.getKey(), p.getValue().getArray());
            }
        }
        optimizer.visit(state);
        bank.visit("scan/bank", state);
        seed = state.scalar("scan/seed", seed);
        steps = state.scalar("scan/steps", steps);
    }
}
