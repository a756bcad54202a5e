package ai.oxbow.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.oxbow.model.nd.Numeric;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The multi-view loss check: a loss over V views against its formula written out in plain
 * doubles, its gradient on every view by central differences, and no gradient at all on the
 * views the loss must treat as stop-gradient.
 */
final class MultiView {
    private MultiView() {}

    /** V views of (n, d) rows: view 0 Gaussian, the others noisy copies of it, so pairs are related. */
    static double[][][] views(long seed, int v, int n, int d) {
        double[][][] out = new double[v][][];
        out[0] = Numeric.gaussian(seed, n, d, 1, 0.2);
        for (int k = 1; k < v; k++) {
            double[][] noise = Numeric.gaussian(seed + k, n, d, 0.6, -0.1);
            out[k] = new double[n][d];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    out[k][i][j] = 0.8 * out[0][i][j] + noise[i][j];
                }
            }
        }
        return out;
    }

    /** The mean of a pair formula f(z_g, z_v) over g one of the first {@code globals} views and v > g. */
    static double unorderedMean(
            double[][][] z, int globals, java.util.function.BiFunction<double[][], double[][], Double> f) {
        double sum = 0;
        int pairs = 0;
        for (int g = 0; g < globals; g++) {
            for (int v = g + 1; v < z.length; v++) {
                sum += f.apply(z[g], z[v]);
                pairs++;
            }
        }
        return sum / pairs;
    }

    /** The mean of f(p_v, z_g) over every target view g and every other view v. */
    static double orderedMean(
            double[][][] p, double[][][] targets, java.util.function.BiFunction<double[][], double[][], Double> f) {
        double sum = 0;
        int pairs = 0;
        for (int g = 0; g < targets.length; g++) {
            for (int v = 0; v < p.length; v++) {
                if (v != g) {
                    sum += f.apply(p[v], targets[g]);
                    pairs++;
                }
            }
        }
        return sum / pairs;
    }

    /**
     * @param formula    the loss in doubles
     * @param loss       the loss under test on the same views (gradients recorded)
     * @param noGradient views that must receive no gradient
     * @param tol        relative tolerance of the value and of each gradient entry
     */
    static void check(
            double[][][] views,
            ToDoubleFunction<double[][][]> formula,
            Function<List<NDArray>, NDArray> loss,
            Set<Integer> noGradient,
            double tol) {
        double want = formula.applyAsDouble(views);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            List<NDArray> arrays = new ArrayList<>();
            for (double[][] view : views) {
                NDArray a = Numeric.create(m, view);
                a.setRequiresGradient(true);
                arrays.add(a);
            }
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray value = loss.apply(arrays);
                assertEquals(want, value.getFloat(), tol * Math.max(1, Math.abs(want)), "loss value");
                Numeric.collectGarbage(m);
                gc.backward(value);
            }
            for (int v = 0; v < views.length; v++) {
                if (noGradient.contains(v)) {
                    assertArrayEquals(
                            new float[views[v].length * views[v][0].length],
                            arrays.get(v).getGradient().toFloatArray(),
                            "view " + v + " is stop-gradient");
                    continue;
                }
                int view = v;
                double[][] g = Numeric.gradient(
                        x -> {
                            double[][][] changed = views.clone();
                            changed[view] = x;
                            return formula.applyAsDouble(changed);
                        },
                        views[v],
                        1e-6);
                Numeric.assertClose(g, arrays.get(v).getGradient(), 10 * tol, "dL/dview" + v);
            }
        }
    }
}
