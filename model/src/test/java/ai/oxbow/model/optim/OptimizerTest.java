package ai.oxbow.model.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SGD, LARS and AdamW against their formulas in doubles, after two steps (so momentum matters). */
class OptimizerTest {
    static final float LR = 0.1f;
    static final float MOMENTUM = 0.9f;
    static final float WD = 0.01f;

    record Case(double[] weight, double[] gradient, Parameter.Type type) {}

    /**
     * Two steps of buf = m buf + g'; w -= lr buf with the same gradient, where g' = g + wd w, times
     * eta ||w|| / (||g|| + wd ||w||) for LARS weights whose norms are both positive; LARS leaves
     * biases out of both (g' = g).
     */
    static double[] expected(Case c, float trust) {
        double[] w = c.weight().clone();
        double[] buf = new double[w.length];
        for (int step = 0; step < 2; step++) {
            double wNorm = norm(w);
            double gNorm = norm(c.gradient());
            boolean weight = c.type() == Parameter.Type.WEIGHT;
            double scale = trust > 0 && weight && wNorm > 0 && gNorm > 0 ? trust * wNorm / (gNorm + WD * wNorm) : 1;
            double decay = trust > 0 && !weight ? 0 : WD;
            for (int i = 0; i < w.length; i++) {
                buf[i] = MOMENTUM * buf[i] + (c.gradient()[i] + decay * w[i]) * scale;
            }
            for (int i = 0; i < w.length; i++) {
                w[i] -= LR * buf[i];
            }
        }
        return w;
    }

    static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    @Test
    void sgdAndLarsMatchTheirFormulas() {
        List<Case> cases = List.of(
                new Case(new double[] {0.5, -1, 2, 0.25}, new double[] {0.1, 0.3, -0.2, 0.05}, Parameter.Type.WEIGHT),
                new Case(new double[] {0, 0, 0, 0}, new double[] {0.1, -0.1, 0.2, 0}, Parameter.Type.WEIGHT),
                new Case(new double[] {1, 2, 3, 4}, new double[] {0, 0, 0, 0}, Parameter.Type.WEIGHT),
                new Case(new double[] {0.3, -0.6, 0.9, 1.2}, new double[] {0.2, 0.1, -0.4, 0.3}, Parameter.Type.BIAS));
        for (float trust : new float[] {0, Sgd.LARS_TRUST}) {
            try (NDManager m = NDManager.newBaseManager("PyTorch")) {
                List<Pair<String, Parameter>> params = new java.util.ArrayList<>();
                for (int k = 0; k < cases.size(); k++) {
                    Case c = cases.get(k);
                    // A 2-D weight (LARS adapts weights), a 1-D bias (excluded).
                    Shape shape = c.type() == Parameter.Type.WEIGHT ? new Shape(2, 2) : new Shape(4);
                    NDArray array = m.create(toFloat(c.weight()), shape);
                    Parameter p = Parameter.builder()
                            .setName("p" + k)
                            .setType(c.type())
                            .optArray(array)
                            .build();
                    array.setRequiresGradient(true);
                    params.add(new Pair<>("p" + k, p));
                }
                Sgd sgd = new Sgd(params, MOMENTUM, WD, trust);
                for (int step = 0; step < 2; step++) {
                    try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                        NDArray loss = null;
                        for (int k = 0; k < cases.size(); k++) {
                            NDArray w = params.get(k).getValue().getArray();
                            NDArray term = w.mul(m.create(toFloat(cases.get(k).gradient()), w.getShape()))
                                    .sum();
                            loss = loss == null ? term : loss.add(term);
                        }
                        gc.backward(loss);
                    }
                    sgd.step(LR, step);
                    sgd.zeroGradients();
                }
                for (int k = 0; k < cases.size(); k++) {
                    double[] want = expected(cases.get(k), trust);
                    float[] got = params.get(k).getValue().getArray().toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-6, "trust " + trust + " case " + k + " [" + i + "]");
                    }
                }
            }
        }
    }

    /** torch.optim.AdamW, two steps: w -= lr wd w; m, v moments; w -= lr m^ / (sqrt(v^) + eps). */
    @Test
    void adamWMatchesTorchsFormula() {
        double[] w0 = {0.5, -1, 2, 0.25};
        double[] g = {0.1, 0.3, -0.2, 0.05};
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double[] w = w0.clone();
        double[] mo = new double[4];
        double[] v = new double[4];
        for (int t = 1; t <= 2; t++) {
            for (int i = 0; i < 4; i++) {
                w[i] -= LR * WD * w[i];
                mo[i] = b1 * mo[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                w[i] -= LR * (mo[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
            }
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray array = m.create(toFloat(w0), new Shape(2, 2));
            Parameter p = Parameter.builder()
                    .setName("w")
                    .setType(Parameter.Type.WEIGHT)
                    .optArray(array)
                    .build();
            array.setRequiresGradient(true);
            AdamW adam = new AdamW(List.of(new Pair<>("w", p)), (float) b1, (float) b2, WD);
            for (int step = 0; step < 2; step++) {
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    gc.backward(
                            array.mul(m.create(toFloat(g), array.getShape())).sum());
                }
                adam.step(LR, step);
                adam.zeroGradients();
            }
            float[] got = array.toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(w[i], got[i], 1e-6, "w[" + i + "]");
            }
        }
    }

    private static float[] toFloat(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }
}
