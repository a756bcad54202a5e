package ai.oxbow.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter, 2019) as torch.optim.AdamW: decoupled weight decay
 * w *= 1 - lr * wd, then w -= lr * m_hat / (sqrt(v_hat) + eps) with bias-corrected moments.
 */
public final class AdamW extends Optimizer {
    private static final float EPS = 1e-8f;
    private final float beta1;
    private final float beta2;
    private final float weightDecay;
    private final List<NDArray> first;
    private final List<NDArray> second;

    public AdamW(List<Pair<String, Parameter>> parameters, float beta1, float beta2, float weightDecay) {
        super(parameters);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.weightDecay = weightDecay;
        this.first = addBuffer("m");
        this.second = addBuffer("v");
    }

    @Override
    public void step(float learningRate, long step) {
        long t = step + 1;
        float c1 = (float) (1 - Math.pow(beta1, t));
        float c2 = (float) (1 - Math.pow(beta2, t));
        for (int i = 0; i < parameters.size(); i++) {
            NDArray w = parameters.get(i).getValue().getArray();
            NDArray g = w.getGradient();
            w.muli(1 - learningRate * weightDecay);
            // Parameter-sized temporaries are closed at once (see Sgd#step).
            try (NDArray m = g.mul(1 - beta1)) {
                first.get(i).muli(beta1).addi(m);
            }
            try (NDArray square = g.mul(g);
                    NDArray v = square.mul(1 - beta2)) {
                second.get(i).muli(beta2).addi(v);
            }
            try (NDArray scaled = second.get(i).div(c2);
                    NDArray denom = scaled.sqrt();
                    NDArray update = first.get(i).div(c1)) {
                denom.addi(EPS);
                w.subi(update.divi(denom).muli(learningRate));
            }
        }
    }
}
