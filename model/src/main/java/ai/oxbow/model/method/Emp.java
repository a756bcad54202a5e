package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.EmpLoss;
import java.util.List;

/**
 * EMP-SSL (Tong, Chen, Ma and LeCun, 2023, "EMP-SSL: Towards Self-Supervised Learning in One
 * Training Epoch"): n fixed-scale patches of each image (the {@code emp} recipe) go through the
 * backbone and a projector together; each patch's embedding is pulled to the mean of its image's
 * patches while the total coding rate of each patch's batch is maximised ({@link EmpLoss}). No
 * target network, no buffer. Every patch is a view: {@code --augment-options views=N}.
 */
public final class Emp extends ProjectorMethod {

    /**
     * The paper's loss weights (lambda 200, eps 0.2). The official projector is
     * Linear(d, 4096)-BN-ReLU-Linear(4096, 4096)-BN-ReLU-Linear(4096, 1024); its shape is kept,
     * narrower by default for a CPU: {@code projector_hidden} and {@code projector_out}.
     */
    public record Params(float invariance, float eps, int projectorHidden, int projectorOut) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("invariance", 200f),
                    o.getFloat("eps", 0.2f),
                    o.getInt("projector_hidden", 1024),
                    o.getInt("projector_out", 512));
        }
    }

    private final Params params;

    public Emp(MethodSetup setup) {
        this(setup, Params.from(setup.options()));
    }

    /** The patches of one size go through the network together, as the reference's {@code torch.cat(data)}. */
    private Emp(MethodSetup setup, Params params) {
        super(
                "emp",
                setup,
                ViewForward.JOINT,
                Mlp.build(new int[] {params.projectorHidden, params.projectorHidden}, params.projectorOut, false));
        this.params = params;
    }

    @Override
    protected NDArray loss(List<NDArray> projections, int globals) {
        return EmpLoss.of(projections, params.invariance, params.eps);
    }
}
