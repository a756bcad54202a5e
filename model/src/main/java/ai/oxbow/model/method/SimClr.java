package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.oxbow.model.loss.NtXent;
import java.util.List;

/**
 * SimCLR (Chen et al., 2020, "A Simple Framework for Contrastive Learning of Visual
 * Representations"): one encoder and an MLP projector g on both views, NT-Xent over the 2N
 * views of the batch (each view's positive is the other view of its image, the other 2N - 2
 * views are negatives). No target network, no buffer. With V views every other view of an image
 * is a positive ({@link NtXent}, SupCon's L_out). The views of one size go through the network
 * together, as the reference concatenates its two views into one batch (BatchNorm sees all).
 */
public final class SimClr extends ProjectorMethod {

    /**
     * solo-learn's CIFAR defaults (scripts/pretrain/cifar/simclr.yaml): t = 0.2 (the paper uses
     * 0.1 to 0.5 depending on batch size and data set), projector d-2048-256.
     */
    public record Params(float temperature, int projectorHidden, int projectorOut) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("temperature", 0.2f),
                    o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 256));
        }
    }

    private final Params params;

    public SimClr(MethodSetup setup) {
        this(setup, Params.from(setup.options()));
    }

    private SimClr(MethodSetup setup, Params params) {
        super("simclr", setup, ViewForward.JOINT, projector(params));
        this.params = params;
    }

    /**
     * g(h) = W2 ReLU(W1 h) (Sec. 2.1): no BatchNorm, as in the paper's equation and solo-learn's
     * SimCLR (the TPU reference code adds BN to both layers); {@code Mlp} always puts BN in its
     * hidden layers, so the head is built here.
     */
    private static Block projector(Params p) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(p.projectorHidden).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(p.projectorOut).build());
    }

    @Override
    protected NDArray loss(List<NDArray> projections, int globals) {
        return NtXent.loss(projections, params.temperature);
    }
}
