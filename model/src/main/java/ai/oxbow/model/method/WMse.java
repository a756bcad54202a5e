package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.head.Mlp;
import ai.oxbow.model.loss.WMseLoss;
import ai.oxbow.model.nn.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * W-MSE (Ermolov et al., 2021, "Whitening for Self-Supervised Representation Learning"), as
 * the authors' code (htdt/self-supervised, methods/w_mse.py): one network, no target, no
 * buffer. The backbone runs on each view, the projector on all views together (its
 * BatchNorm sees VN rows, as in the reference), and {@link WMseLoss} whitens each view per
 * random slice of the batch before comparing every pair of views (the reference's multi-view
 * form, the paper's W-MSE 4 with four views).
 */
public final class WMse extends SslMethod {

    /**
     * Shrinkage used when a slice has no more rows than the projection has dimensions: the
     * slice covariance is then singular (rank m - 1 < D) and has no Cholesky factor without it.
     */
    static final float SINGULAR_SHRINKAGE = 1e-2f;

    /**
     * The CIFAR settings of the authors and solo-learn: Linear(d, 1024)-BN-ReLU hidden layer,
     * w_size = 128 rows per whitening slice, w_iter = 1, no shrinkage (w_eps = 0); a batch smaller
     * than w_size is whitened as one slice of N rows. The output is 16-d instead of their 64:
     * Oxbow's default batch of 64 is one slice of 64 rows, whose covariance is singular at 64-d
     * (measured: 0.7471 vs 0.7571 kNN at 10,000 events at 32-d, and dimensional collapse at
     * 60,000), and four rows per dimension scored more than the paper's two in one pass (docs/quality.md:
     * 0.8441 vs 0.8410 kNN at 60,000 events). For slices no wider than the projection
     * the shrinkage is raised to {@link #SINGULAR_SHRINKAGE} so that training still runs, but the
     * whitened rows then carry little of the batch geometry.
     */
    public record Params(
            int projectorHidden, int projectorOut, int whiteningSize, int whiteningIterations, float whiteningEps) {
        public static Params from(MethodOptions o) {
            return new Params(
                    o.getInt("projector_hidden", 1024),
                    o.getInt("projector_out", 16),
                    o.getInt("w_size", 128),
                    o.getInt("w_iter", 1),
                    o.getFloat("w_eps", 0f));
        }

        /** The shrinkage for slices of at least min(w_size, n) rows. */
        public float shrinkage(int n) {
            return Math.min(whiteningSize, n) > projectorOut
                    ? whiteningEps
                    : Math.max(whiteningEps, SINGULAR_SHRINKAGE);
        }
    }

    private final Params params;
    private final Network projector;

    public WMse(MethodSetup setup) {
        super("wmse", setup, ViewForward.EACH);
        params = Params.from(setup.options());
        projector = setup.head(
                "projector",
                Mlp.build(new int[] {params.projectorHidden}, params.projectorOut, false),
                setup.featureDim());
    }

    @Override
    public List<Network> online() {
        return List.of(backbone, projector);
    }

    @Override
    public NDArray loss(Views views, long step) {
        // The projector sees every view's rows together, as the reference's.
        List<NDArray> local = jointly(projector, features(views.all()));
        keepProjection(local.get(0));
        List<NDArray> perView = gather(local);
        int n = Math.toIntExact(perView.get(0).getShape().get(0));
        return WMseLoss.of(perView, views.globals(), permutations(n, step), params.whiteningSize, params.shrinkage(n));
    }

    /**
     * One random permutation of the batch per whitening iteration, seeded by the step so that
     * a restored trainer draws the same slices (the step is part of the checkpoint).
     */
    private List<int[]> permutations(int n, long step) {
        Random random = new Random(step);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < params.whiteningIterations; i++) {
            int[] p = new int[n];
            for (int k = 0; k < n; k++) {
                int j = random.nextInt(k + 1);
                p[k] = p[j];
                p[j] = k;
            }
            out.add(p);
        }
        return out;
    }
}
