package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.BarlowTwinsLoss;
import java.util.List;

/**
 * Barlow Twins (Zbontar et al., 2021, "Barlow Twins: Self-Supervised Learning via Redundancy
 * Reduction"): one network, no target, no buffer; the cross-correlation of the two views'
 * projections is driven to the identity by {@link BarlowTwinsLoss}, averaged over the pairs of
 * views when there are more ({@link ai.oxbow.model.loss.ViewPairs#unordered}); each view is its
 * own BatchNorm batch, as the reference's two separate forwards.
 */
public final class BarlowTwins extends ProjectorMethod {

    /**
     * solo-learn's CIFAR recipe (scripts/pretrain/cifar/barlow.yaml): a 3-layer 2048-2048-2048
     * projector (the paper's ImageNet one is 8192 wide, too heavy for a CPU), lambda = 0.0051
     * (paper) and scale_loss = 0.1 (the recipe its LARS learning rate was tuned with).
     */
    public record Params(float lambda, float scaleLoss, int projectorHidden, int projectorOut) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getFloat("lambda", 0.0051f),
                    o.getFloat("scale_loss", 0.1f),
                    o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 2048));
        }
    }

    private final Params params;

    public BarlowTwins(MethodSetup setup) {
        this(setup, Params.from(setup.options()));
    }

    private BarlowTwins(MethodSetup setup, Params params) {
        super(
                "barlow",
                setup,
                ViewForward.EACH,
                Mlp.build(new int[] {params.projectorHidden, params.projectorHidden}, params.projectorOut, false));
        this.params = params;
    }

    @Override
    protected NDArray loss(List<NDArray> projections, int globals) {
        return BarlowTwinsLoss.of(projections, globals, params.lambda, params.scaleLoss);
    }
}
