package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.NormalizedMse;
import ai.oxbow.model.nn.Network;
import java.util.List;

/**
 * BYOL (Grill et al., 2020, "Bootstrap Your Own Latent"): an online backbone, projector and
 * predictor learn to predict the projection that an EMA target backbone and projector make of
 * the other view. The loss is symmetrised as in the paper (Sec. 3.1, L + L~): the sum of
 * {@link NormalizedMse} for (p1, z'2) and (p2, z'1), so it lies in [0, 8] (solo-learn sums the
 * same two terms). Targets are stop-gradient; the target momentum rises from 0.99 to 1 on a
 * cosine (Sec. 3.2), applied by the trainer. With more views, targets come from the global views
 * and predictions from every view, the pair terms averaged (twice their mean: L + L~ for two).
 */
public final class Byol extends SslMethod {

    /** Paper defaults (Sec. 3.3): projector d-4096-256, predictor 256-4096-256, tau 0.99 to 1. */
    public record Params(int projectorHidden, int projectorOut, int predictorHidden, float emaBase, float emaFinal) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getInt("projector_hidden", 4096),
                    o.getInt("projector_out", 256),
                    o.getInt("predictor_hidden", 4096),
                    o.getFloat("ema_base", 0.99f),
                    o.getFloat("ema_final", 1.0f));
        }
    }

    private final Params params;
    private final Network projector;
    private final Network predictor;
    private List<NDArray> targets;

    public Byol(MethodSetup setup) {
        super("byol", setup, ViewForward.EACH);
        params = Params.from(setup.options());
        int dim = setup.featureDim();
        projector =
                setup.head("projector", Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        predictor = setup.head(
                "predictor",
                Mlp.build(new int[] {params.predictorHidden}, params.projectorOut, false),
                params.projectorOut);
        Network targetBackbone = setup.backbone("momentum_backbone");
        Network targetProjector = setup.head(
                "momentum_projector", Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false), dim);
        momentum(
                params.emaBase,
                params.emaFinal,
                MomentumPair.of(backbone, targetBackbone),
                MomentumPair.of(projector, targetProjector));
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector, predictor);
    }

    /** The target projections of the global views, with grad mode off. */
    @Override
    public void beforeStep(Views views, long step) {
        targets = gather(target(views.global()));
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> z = project(projector, views.all());
        keepProjection(z.get(0));
        List<NDArray> p = z.stream().map(zv -> predictor.forward(zv, true)).toList();
        return NormalizedMse.loss(gather(p), targets);
    }
}
