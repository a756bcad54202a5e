package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.NormalizedMse;
import ai.oxbow.model.nd.Network;

import java.util.List;

/**
 * BYOL (Grill et al., 2020, "Bootstrap Your Own Latent"): an online backbone, projector and
 * predictor learn to predict the projection that an EMA target backbone and projector make of
 * the other view. The loss is symmetrised as in the paper (Sec. 3.1, L + L~): the sum of
 * {@link NormalizedMse} for (p1, z'2) and (p2, z'1), so it lies in [0, 8] (solo-learn sums the
 * same two terms). Targets are stop-gradient; the target momentum rises from 0.99 to 1 on a
 * cosine (Sec. 3.2), applied by the trainer.
 */
public final class Byol extends SslMethod {

    /** Paper defaults (Sec. 3.3): projector d-4096-256, predictor 256-4096-256, tau 0.99 to 1. */
    public record Params(int projectorHidden, int projectorOut, int predictorHidden, float emaBase, float emaFinal) {
        public static Params from(MethodOptions o) {
            return new Params(o.getInt("projector_hidden", 4096), o.getInt("projector_out", 256),
                    o.getInt("predictor_hidden", 4096), o.getFloat("ema_base", 0.99f),
                    o.getFloat("ema_final", 1.0f));
        }
    }

    private final Params params;
    private final Network projector;
    private final Network predictor;

    public Byol(MethodSetup setup) {
        super("byol", setup);
        params = Params.from(setup.options());
        int dim = setup.featureDim();
        projector = setup.head("projector", Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        predictor = setup.head("predictor",
                Mlp.build(new int[] {params.predictorHidden}, params.projectorOut, false), params.projectorOut);
        Network targetBackbone = setup.backbone("momentum_backbone");
        Network targetProjector = setup.head("momentum_projector",
                Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        momentum(params.emaBase, params.emaFinal,
                MomentumPair.of(backbone, targetBackbone), MomentumPair.of(projector, targetProjector));
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector, predictor);
    }



    @Override
    public NDArray loss(NDArray view1, NDArray view2, long step) {
        NDArray z1 = project(projector, view1);
        NDArray z2 = project(projector, view2);
        keepProjection(z1);
        NDArray p1 = predictor.forward(z1, true);
        NDArray p2 = predictor.forward(z2, true);
        return NormalizedMse.loss(p1, target(view2)).add(NormalizedMse.loss(p2, target(view1)));
    }

    private NDArray target(NDArray view) {
        Network targetBackbone = momentumPairs().get(0).target();
        Network targetProjector = momentumPairs().get(1).target();
        return targetProjector.forward(targetBackbone.forward(view, true), true).stopGradient();
    }

}
