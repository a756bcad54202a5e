package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.NegativeCosine;
import ai.oxbow.model.nn.Network;
import java.util.Arrays;
import java.util.List;

/**
 * SimSiam (Chen and He, 2021, "Exploring Simple Siamese Representation Learning"): one encoder
 * (backbone + projector) on both views and a predictor h; the loss is
 * D(p1, sg(z2)) / 2 + D(p2, sg(z1)) / 2 (eq. 4) with {@link NegativeCosine}. No negatives, no
 * momentum encoder, no buffer: the stop-gradient alone prevents collapse. With more views, the
 * mean of D(p_v, sg(z_g)) over every view v and every other global view g.
 */
public final class SimSiam extends SslMethod {

    /**
     * The paper's ImageNet baseline (Sec. 3, "Baseline settings", and the official builder.py):
     * a 3-layer 2048-d projector with BN on every layer including the output, a 2048-512-2048
     * bottleneck predictor. The paper's CIFAR setting (App. D) uses a 2-layer projector:
     * {@code projector_layers=2}.
     */
    public record Params(int projectorLayers, int projectorHidden, int projectorOut, int predictorHidden) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getInt("projector_layers", 3),
                    o.getInt("projector_hidden", 2048),
                    o.getInt("projector_out", 2048),
                    o.getInt("predictor_hidden", 512));
        }
    }

    private final Params params;
    private final Network projector;
    private final Network predictor;

    public SimSiam(MethodSetup setup) {
        super("simsiam", setup, ViewForward.EACH);
        params = Params.from(setup.options());
        projector = setup.head("projector", projector(params), setup.featureDim());
        predictor = setup.head(
                "predictor",
                Mlp.build(new int[] {params.predictorHidden}, params.projectorOut, false),
                params.projectorOut);
    }

    /**
     * Hidden layers Linear-BN-ReLU, then Linear and a BatchNorm without scale and shift, as
     * the official code's BatchNorm1d(dim, affine=False) on the output fc.
     */
    private static Block projector(Params p) {
        int[] hidden = new int[p.projectorLayers - 1];
        Arrays.fill(hidden, p.projectorHidden);
        return new SequentialBlock()
                .add(Mlp.build(hidden, p.projectorOut, false))
                .add(BatchNorm.builder().optCenter(false).optScale(false).build());
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector, predictor);
    }

    @Override
    public NDArray loss(Views views, long step) {
        List<NDArray> z = project(projector, views.all());
        keepProjection(z.get(0));
        List<NDArray> p = z.stream().map(zv -> predictor.forward(zv, true)).toList();
        return NegativeCosine.loss(gather(p), gather(z.subList(0, views.globals())));
    }
}
