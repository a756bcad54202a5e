package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.cluster.ScanStage;
import ai.oxbow.model.dist.Collectives;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.eval.Collapse;
import ai.oxbow.model.method.MethodOptions;
import ai.oxbow.model.method.MethodSetup;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.method.MomentumPair;
import ai.oxbow.model.method.SslMethod;
import ai.oxbow.model.method.Views;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.optim.Optimizer;
import ai.oxbow.model.optim.Schedules;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.state.StateVisitor;
import ai.oxbow.model.state.TrainerCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * The training loop of one self-supervised method on DJL's PyTorch engine, with all of its
 * state (weights, EMA copies, optimiser buffers, method buffers, counters) saved and restored
 * bit for bit by {@link TrainerCodec}. Not thread-safe: one trainer per thread.
 *
 * <p>Images are float arrays in [0, 1], CHW per image, images concatenated; the trainer
 * normalises them with the configured mean/std.
 */
public final class SslTrainer implements AutoCloseable {
    private final TrainerConfig config;
    private final NDManager manager;
    private final SslMethod method;
    private final Optimizer optimizer;
    private final List<NDArray> runningStats = new ArrayList<>();
    /** The arrays the optimiser updates, whose gradients a data-parallel group sums. */
    private final List<NDArray> trainableArrays = new ArrayList<>();
    /** The group this trainer is one rank of; null when it trains alone. */
    private DataParallel parallel;

    private final TrainerStats stats = new TrainerStats();
    /** The encoder that makes embeddings: a copy of the backbone taken at {@link #publish}. */
    private final Network published;

    private long publishedVersion;
    /** Versions of lineage L are L * 10^12 + step: decimal, they read as the lineage, then the step. */
    public static final long LINEAGE_STRIDE = 1_000_000_000_000L;

    private long lineage;
    private final Fingerprint fingerprint;
    /** SCAN's clustering head on the backbone's features, or null when {@code scanClusters} is 0. */
    private final ScanStage scan;

    public SslTrainer(TrainerConfig config) {
        this(config, 0);
    }

    /**
     * @param device which of several GPUs trains (modulo their count), so that the ranks of a
     *               trainer group on one machine take one each; the CPU when there is none
     */
    public SslTrainer(TrainerConfig config, int device) {
        this.config = config;
        this.manager = Engines.newManager(device);
        MethodOptions options = config.options();
        MethodSetup setup = new MethodSetup(
                manager,
                config.encoder(),
                config.channels(),
                config.size(),
                config.globalViews(),
                config.seed(),
                options);
        // The engine has one random generator per process; its only use is drawing initial
        // weights, so seeding and building under one lock makes them a function of this seed alone.
        // The SCAN head is built last, so that switching it on does not change the other draws.
        Object[] built = Network.seeded(config.seed(), () -> new Object[] {
            Methods.create(config.method(), setup),
            setup.backbone("published"),
            config.scanClusters() == 0
                    ? null
                    : new ScanStage(
                            manager, setup.featureDim(), config.scanClusters(), config.scanSelfLabel(), config.seed())
        });
        this.method = (SslMethod) built[0];
        this.published = (Network) built[1];
        this.scan = (ScanStage) built[2];
        List<Pair<String, Parameter>> trainable = new ArrayList<>();
        for (Network net : method.online()) {
            trainable.addAll(net.trainable());
        }
        this.optimizer = Optimizer.create(
                config.optimizer(), trainable, config.momentum(), method.adamBeta2(), config.weightDecay());
        trainable.forEach(p -> trainableArrays.add(p.getValue().getArray()));
        this.fingerprint = Fingerprint.of(config.fields(options.resolved()));
        published.freeze();
        EncoderSnapshot.initial(config).loadInto(published);
        for (Network net : method.networks()) {
            for (Pair<String, Parameter> p : net.parameters()) {
                if (!p.getValue().requiresGradient()) {
                    runningStats.add(p.getValue().getArray());
                }
            }
        }
    }

    public TrainerConfig config() {
        return config;
    }

    /**
     * Makes this trainer one rank of a synchronous data-parallel group (see {@link DataParallel}):
     * each {@link #train} call trains this rank's slice of a global batch, every rank calling it
     * for the same step; weights, optimiser, method buffers and counters stay the same on every rank.
     */
    public void distribute(Collectives group) {
        if (scan != null && group.size() > 1) {
            throw new IllegalArgumentException(
                    "SCAN's clustering head trains on one rank only: use --scan-clusters" + " with one trainer");
        }
        parallel = group.size() > 1 ? new DataParallel(group) : null;
        method.distribute(parallel);
    }

    /** The group this trainer is a rank of, or null alone. */
    public DataParallel parallel() {
        return parallel;
    }

    /**
     * BatchNorm normalises each training batch in {@code groups} equal groups: one trainer then
     * takes the steps of {@code groups} data-parallel ranks with per-rank statistics (their slices
     * in rank order), which is how their equivalence is tested.
     */
    public void splitBatchNorm(int groups) {
        method.splitBatchNorm(groups);
    }

    /**
     * What shaped this trainer's state, stored in its header and checked on restore: the whole
     * configuration, method options with the values in force (defaults included).
     */
    public Fingerprint fingerprint() {
        return fingerprint;
    }

    public SslMethod method() {
        return method;
    }

    public TrainerStats stats() {
        return stats;
    }

    /** Optimiser steps taken so far; the count versions the encoder. */
    public long steps() {
        return stats.steps;
    }

    public float learningRate() {
        return Schedules.learningRate(
                config.learningRate(), stats.steps, config.warmupSteps(), config.horizonSteps(), config.cosine());
    }

    public float emaMomentum() {
        float[] range = method.emaRange();
        return Schedules.emaMomentum(range[0], range[1], stats.steps, config.horizonSteps());
    }

    /**
     * One optimisation step on the views of n images. A non-finite loss skips the update and
     * restores the BatchNorm statistics that its forward pass changed, so state stays intact.
     *
     * @return the loss (NaN or infinite when the step was skipped)
     */
    public float train(ViewBatch views) {
        if (views.globals() != config.globalViews()) {
            throw new IllegalArgumentException("the trainer was built for " + config.globalViews()
                    + " global views per image, the batch has " + views.globals());
        }
        if (views.views().size() < method.minViews()) {
            throw new IllegalArgumentException(
                    method.name() + " compares " + method.minViews() + " views of an image or more, the batch has "
                            + views.views().size());
        }
        Engines.noGradOutsideCollector();
        long start = System.nanoTime();
        int n = views.images();
        int global = parallel == null ? n : parallel.beginStep(n);
        float loss;
        try (NDScope scope = new NDScope();
                NDManager batch = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            List<NDArray> inputs = new ArrayList<>();
            for (ViewBatch.View v : views.views()) {
                inputs.add(input(batch, v.pixels(), n, v.size()));
            }
            List<NDArray> statsBefore =
                    runningStats.stream().map(NDArray::duplicate).toList();
            Views batchViews = new Views(inputs, views.globals());
            method.beforeStep(batchViews, stats.steps);
            try (Autograd collector = Autograd.record()) {
                NDArray lossArray = method.loss(batchViews, stats.steps);
                loss = lossArray.getFloat();
                if (Float.isFinite(loss)) {
                    collector.backward(lossArray);
                }
            }
            if (Float.isFinite(loss) && parallel != null) {
                // Every rank computed the same global loss: the sum of their gradients is its gradient.
                parallel.sumGradients(
                        trainableArrays.stream().map(NDArray::getGradient).toList());
            }
            if (Float.isFinite(loss)) {
                method.beforeUpdate(stats.steps);
                optimizer.step(learningRate(), stats.steps);
                float tau = emaMomentum();
                for (MomentumPair pair : method.momentumPairs()) {
                    pair.update(tau);
                }
                NDArray projection = method.takeProjection();
                stats.collapseStd = Collapse.std(projection);
                stats.projectionDim = projection.getShape().get(1);
                method.afterStep();
                if (parallel != null) {
                    parallel.averageBuffers(runningStats);
                }
                if (scan != null) {
                    stats.scanLoss = trainScan(inputs, stats.steps);
                }
                stats.recordStep(loss, global, System.nanoTime() - start);
            } else {
                for (int i = 0; i < runningStats.size(); i++) {
                    statsBefore.get(i).copyTo(runningStats.get(i));
                }
                stats.skippedSteps++;
            }
            optimizer.zeroGradients();
        }
        return loss;
    }

    /** The SCAN head's step on the backbone's features (inference mode, detached) of the first two global views. */
    private float trainScan(List<NDArray> inputs, long step) {
        NDArray anchors = method.backbone().forward(inputs.get(0), false).stopGradient();
        NDArray strong = config.scanSelfLabel() && config.globalViews() > 1
                ? method.backbone().forward(inputs.get(1), false).stopGradient()
                : null;
        return scan.train(anchors, strong, step);
    }

    /**
     * Makes the current backbone the published encoder. Its version is {@code lineage *}
     * {@link #LINEAGE_STRIDE} {@code + step}: the step alone while the state has never been
     * restored into another job, and unique once a restore forks it ({@link #fork}).
     */
    public void publish() {
        published.copyFrom(method.backbone());
        if (scan != null) {
            scan.publish();
        }
        publishedVersion = lineage * LINEAGE_STRIDE + stats.steps;
    }

    /**
     * Starts a new lineage. A state restored into a new job (a savepoint, or an older checkpoint of
     * a job that went on) trains on as a fork of the one that wrote it, whose later versions may
     * already be published: versions must not repeat a step number with other weights.
     */
    public void fork() {
        lineage++;
    }

    /** How many times this state was forked (0: never restored into another job). */
    public long lineage() {
        return lineage;
    }

    /** The step at which the published encoder was taken. */
    public long publishedStep() {
        return publishedVersion % LINEAGE_STRIDE;
    }

    /** The published encoder, for embedders, the model registry and export. */
    public EncoderSnapshot publishedSnapshot() {
        EncoderSnapshot s = EncoderSnapshot.of(publishedVersion, config, published);
        // Version 0 is the untrained encoder, the same on the embedders' side (EncoderSnapshot.initial): no head.
        return scan == null || publishedVersion == 0 ? s : s.withClusterHead(scan.publishedTensors());
    }

    /** The SCAN stage, or null when it is off. */
    public ScanStage scan() {
        return scan;
    }

    /** Version (step) of the published encoder that {@link #embed} uses. */
    public long publishedVersion() {
        return publishedVersion;
    }

    /** Features of n clean images by the published encoder (inference mode: BatchNorm running statistics). */
    public float[] embed(float[] images, int n) {
        return features(published, images, n, config.size());
    }

    /** Features by the backbone as it is now of n clean images at the input size (MinRed, probes). */
    public float[] embedWithCurrent(float[] images, int n) {
        return embedWithCurrent(images, n, config.size());
    }

    /** The same for images of another side, e.g. augmented views (quality indicators). */
    public float[] embedWithCurrent(float[] images, int n, int size) {
        return features(method.backbone(), images, n, size);
    }

    private float[] features(Network encoder, float[] images, int n, int size) {
        Engines.noGradOutsideCollector();
        try (NDScope scope = new NDScope();
                NDManager batch = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            return encoder.forward(input(batch, images, n, size), false).toFloatArray();
        }
    }

    public int embeddingDim() {
        return Encoders.dim(config.encoder());
    }

    private NDArray input(NDManager batch, float[] pixels, int n, int size) {
        return Engines.normalized(batch, pixels, n, config.channels(), size, config.mean(), config.std());
    }

    /** Walks every piece of state in a fixed order (see {@link TrainerCodec}). */
    void visit(StateVisitor state) {
        for (Network net : method.networks()) {
            for (Pair<String, Parameter> p : net.parameters()) {
                state.tensor("network/" + p.getKey(), p.getValue().getArray());
            }
        }
        for (Pair<String, Parameter> p : published.parameters()) {
            state.tensor("network/" + p.getKey(), p.getValue().getArray());
        }
        publishedVersion = state.scalar("published/version", publishedVersion);
        lineage = state.scalar("published/lineage", lineage);
        optimizer.visit(state);
        method.visitBuffers(state);
        stats.visit(state);
        if (scan != null) {
            scan.visit(state);
        }
    }

    public byte[] snapshot() {
        return TrainerCodec.encode(fingerprint, this::visit);
    }

    /**
     * Restores a {@link #snapshot} blob, whole or not at all (see {@link TrainerCodec}); a bitwise
     * restore is verified by re-encoding.
     */
    public RestoreReport restore(byte[] state) {
        TrainerCodec.Decoded d = TrainerCodec.decode(state, fingerprint, this::visit, manager);
        return RestoreReport.verified(
                "trainer state",
                state,
                d.format(),
                TrainerCodec.FORMAT_VERSION,
                d.changed(),
                this::snapshot,
                stats.steps,
                lineage);
    }

    @Override
    public void close() {
        manager.close();
    }
}
