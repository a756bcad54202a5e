package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.EmpLoss;
import ai.oxbow.model.nd.Network;

import java.util.List;

/**
 * EMP-SSL (Tong, Chen, Ma and LeCun, 2023, "EMP-SSL: Towards Self-Supervised Learning in One
 * Training Epoch"): n fixed-scale patches of each image (the {@code emp} recipe) go through the
 * backbone and a projector together; each patch's embedding is pulled to the mean of its image's
 * patches while the total coding rate of each patch's batch is maximised ({@link EmpLoss}). No
 * target network, no buffer. Every patch is a view: {@code --augment-options views=N}.
 */
public final class Emp extends SslMethod {

    /**
     * The paper's loss weights (lambda 200, eps 0.2). The official projector is
     * Linear(d, 4096)-BN-ReLU-Linear(4096, 4096)-BN-ReLU-Linear(4096, 1024); its shape is kept,
     * narrower by default for a CPU: {@code projector_hidden} and {@code projector_out}.
     */
    public record Params(float invariance, float eps, int projectorHidden, int projectorOut) {
        public static Params from(MethodOptions o) {
            return new Params(o.getFloat("invariance", 200f), o.getFloat("eps", 0.2f),
                    o.getInt("projector_hidden", 1024), o.getInt("projector_out", 512));
        }
    }

    private final Params params;
    private final Network projector;

    public Emp(MethodSetup setup) {
        super("emp", setup, ViewForward.JOINT);
        params = Params.from(setup.options());
        projector = setup.head("projector",
                Mlp.build(new int[] {params.projectorHidden, params.projectorHidden}, params.projectorOut, false),
                setup.featureDim());
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector);
    }

    /** The patches of one size go through the network together, as the reference's {@code torch.cat(data)}. */
    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> z = project(projector, views.all());
        keepProjection(z.get(0));
        return EmpLoss.of(z, params.invariance, params.eps);
    }
}
