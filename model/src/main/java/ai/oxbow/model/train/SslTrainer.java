package ai.oxbow.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.eval.Collapse;
import ai.oxbow.model.method.MethodSetup;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.method.MomentumPair;
import ai.oxbow.model.method.SslMethod;
import ai.oxbow.model.nd.Network;
import ai.oxbow.model.optim.Schedules;
import ai.oxbow.model.optim.Optimizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The training loop of one self-supervised method on DJL's PyTorch engine, with all of its
 * state (weights, EMA copies, optimiser buffers, method buffers, counters) saved and restored
 * bit for bit by {@link StateCodec}. Not thread-safe: one trainer per thread.
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
    private final TrainerStats stats = new TrainerStats();
    /** The encoder that makes embeddings: a copy of the backbone taken at {@link #publish}. */
    private final Network published;
    private long publishedVersion;

    public SslTrainer(TrainerConfig config) {
        this.config = config;
        Engine.getEngine("PyTorch").setRandomSeed((int) config.seed());
        this.manager = Engines.newManager();
        this.method = Methods.create(config.method(),
                new MethodSetup(manager, config.encoder(), config.channels(), config.size(), config.options()));
        List<Pair<String, Parameter>> trainable = new ArrayList<>();
        for (Network net : method.online()) {
            trainable.addAll(net.trainable());
        }
        this.optimizer = Optimizer.create(config.optimizer(), trainable, config.momentum(), config.weightDecay());
        this.published = new MethodSetup(manager, config.encoder(), config.channels(), config.size(), config.options())
                .backbone("published");
        published.freeze();
        publish();
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

    public SslMethod method() {
        return method;
    }

    public TrainerStats stats() {
        return stats;
    }

    /** The optimiser step count; it versions the encoder. */
    public long step() {
        return stats.steps;
    }

    public float learningRate() {
        return Schedules.learningRate(config.learningRate(), stats.steps, config.warmupSteps(),
                config.horizonSteps(), config.cosine());
    }

    public float emaMomentum() {
        float[] range = method.emaRange();
        return Schedules.emaMomentum(range[0], range[1], stats.steps, config.horizonSteps());
    }

    /**
     * One optimisation step on two views of n images. A non-finite loss skips the update and
     * restores the BatchNorm statistics that its forward pass changed, so state stays intact.
     *
     * @return the loss (NaN or infinite when the step was skipped)
     */
    public float train(float[] views1, float[] views2, int n) {
        Engines.noGradOutsideCollector();
        long start = System.nanoTime();
        float loss;
        try (NDScope scope = new NDScope(); NDManager batch = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray x1 = input(batch, views1, n);
            NDArray x2 = input(batch, views2, n);
            List<NDArray> statsBefore = runningStats.stream().map(NDArray::duplicate).toList();
            method.beforeStep(stats.steps);
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray lossArray = method.loss(x1, x2, stats.steps);
                loss = lossArray.getFloat();
                if (Float.isFinite(loss)) {
                    collector.backward(lossArray);
                }
            }
            if (Float.isFinite(loss)) {
                method.beforeUpdate(stats.steps);
                optimizer.step(learningRate(), stats.steps);
                float tau = emaMomentum();
                for (MomentumPair pair : method.momentumPairs()) {
                    pair.update(tau);
                }
                stats.collapseStd = Collapse.std(method.lastProjection());
                stats.projectionDim = method.lastProjection().getShape().get(1);
                method.afterStep();
                stats.recordStep(loss, n, System.nanoTime() - start);
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

    /** Makes the current backbone the published encoder; its version is the current step. */
    public void publish() {
        published.copyFrom(method.backbone());
        publishedVersion = stats.steps;
    }

    /** The published encoder, for embedders, the model registry and export. */
    public EncoderSnapshot publishedSnapshot() {
        return EncoderSnapshot.of(publishedVersion, config, published);
    }

    /** Version (step) of the published encoder that {@link #embed} uses. */
    public long publishedVersion() {
        return publishedVersion;
    }

    /** Features of n clean images by the published encoder (inference mode: BatchNorm running statistics). */
    public float[] embed(float[] images, int n) {
        return features(published, images, n);
    }

    /** Features by the backbone as it is now (for quality indicators on the training views). */
    public float[] embedWithCurrent(float[] images, int n) {
        return features(method.backbone(), images, n);
    }

    private float[] features(Network encoder, float[] images, int n) {
        Engines.noGradOutsideCollector();
        try (NDScope scope = new NDScope(); NDManager batch = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            return encoder.forward(input(batch, images, n), false).toFloatArray();
        }
    }

    public int embeddingDim() {
        return Encoders.dim(config.encoder());
    }

    private NDArray input(NDManager batch, float[] pixels, int n) {
        return Engines.normalized(batch, pixels, n, config.channels(), config.size(), config.mean(), config.std());
    }

    /** Walks every piece of state in a fixed order (see {@link StateCodec}). */
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
        optimizer.visit(state);
        method.visitBuffers(state);
        stats.visit(state);
    }

    public byte[] snapshot() {
        return StateCodec.encode(this);
    }

    public void restore(byte[] state) {
        StateCodec.decode(state, this);
    }

    @Override
    public void close() {
        manager.close();
    }
}
