package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.VicRegLoss;
import java.util.List;

/**
 * VICReg (Bardes et al., 2022, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning"): one network, no target, no buffer; the two views' projections
 * are pulled together while each branch keeps per-dimension variance and decorrelated
 * dimensions ({@link VicRegLoss}). With more views, the pair loss is averaged over the pairs of
 * views ({@link ai.oxbow.model.loss.ViewPairs#unordered}); each view is its own BatchNorm batch,
 * as the reference's two separate forwards.
 */
public final class VicReg extends ProjectorMethod {

    /**
     * Paper weights lambda = mu = 25, nu = 1; solo-learn's CIFAR projector
     * (scripts/pretrain/cifar/vicreg.yaml) of 3 layers 2048-2048-2048 (the paper's ImageNet one
     * is 8192 wide, too heavy for a CPU).
     */
    public record Params(
            float invarianceWeight,
            float varianceWeight,
            float covarianceWeight,
            int projectorHidden,
            int projectorOut) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("sim_weight", 25f),
                    o.getFloat("var_weight", 25f),
                    o.getFloat("cov_weight", 1f),
                    o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 2048));
        }
    }

    private final Params params;

    public VicReg(MethodSetup setup) {
        this(setup, Params.from(setup.options()));
    }

    private VicReg(MethodSetup setup, Params params) {
        super(
                "vicreg",
                setup,
                ViewForward.EACH,
                Mlp.build(new int[] {params.projectorHidden, params.projectorHidden}, params.projectorOut, false));
        this.params = params;
    }

    @Override
    protected NDArray loss(List<NDArray> projections, int globals) {
        return VicRegLoss.of(
                projections, globals, params.invarianceWeight, params.varianceWeight, params.covarianceWeight);
    }
}
