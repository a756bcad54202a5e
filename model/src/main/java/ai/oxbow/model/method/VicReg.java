package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.VicRegLoss;
import ai.oxbow.model.nd.Network;

import java.util.List;

/**
 * VICReg (Bardes et al., 2022, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning"): one network, no target, no buffer; the two views' projections
 * are pulled together while each branch keeps per-dimension variance and decorrelated
 * dimensions ({@link VicRegLoss}). With more views, the pair loss is averaged over the pairs of
 * views ({@link ai.oxbow.model.loss.ViewPairs#unordered}); each view is its own BatchNorm batch,
 * as the reference's two separate forwards.
 */
public final class VicReg extends SslMethod {

    /**
     * Paper weights lambda = mu = 25, nu = 1; solo-learn's CIFAR projector
     * (scripts/pretrain/cifar/vicreg.yaml) of 3 layers 2048-2048-2048 (the paper's ImageNet one
     * is 8192 wide, too heavy for a CPU).
     */
    public record Params(float invarianceWeight, float varianceWeight, float covarianceWeight,
                         int projectorHidden, int projectorOut) {
        public static Params from(MethodOptions o) {
            return new Params(o.getFloat("sim_weight", 25f), o.getFloat("var_weight", 25f),
                    o.getFloat("cov_weight", 1f), o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 2048));
        }
    }

    private final Params params;
    private final Network projector;

    public VicReg(MethodSetup setup) {
        super("vicreg", setup, ViewForward.EACH);
        params = Params.from(setup.options());
        projector = setup.head("projector",
                Mlp.build(new int[] {params.projectorHidden, params.projectorHidden}, params.projectorOut, false),
                setup.featureDim());
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector);
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> z = project(projector, views.all());
        keepProjection(z.get(0));
        return VicRegLoss.of(z, views.globals(), params.invarianceWeight, params.varianceWeight,
                params.covarianceWeight);
    }

}
