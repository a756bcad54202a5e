package ai.oxbow.model.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.nn.Network;

/**
 * Inference with one published encoder version, apart from the trainer: the embedder operators,
 * `search` and `reindex` each hold one. Not thread-safe: one per thread.
 */
public final class Embedder implements AutoCloseable {
    private final EncoderSnapshot snapshot;
    private final NDManager manager;
    private final Network encoder;

    public Embedder(EncoderSnapshot snapshot) {
        this.snapshot = snapshot;
        this.manager = Engines.newManager();
        this.encoder = new Network(
                "embedder",
                Encoders.build(snapshot.encoder()),
                manager,
                new Shape(2, snapshot.channels(), snapshot.size(), snapshot.size()));
        encoder.freeze();
        snapshot.loadInto(encoder);
    }

    public long version() {
        return snapshot.version();
    }

    public EncoderSnapshot snapshot() {
        return snapshot;
    }

    public int dim() {
        return Encoders.dim(snapshot.encoder());
    }

    /** Features of n images (CHW floats in [0, 1], concatenated), BatchNorm in inference mode. */
    public float[] embed(float[] images, int n) {
        Engines.noGradOutsideCollector();
        try (NDScope scope = new NDScope();
                NDManager batch = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            return encoder.forward(
                            Engines.normalized(
                                    batch,
                                    images,
                                    n,
                                    snapshot.channels(),
                                    snapshot.size(),
                                    snapshot.mean(),
                                    snapshot.std()),
                            false)
                    .toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
