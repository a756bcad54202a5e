package ai.oxbow.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import java.util.List;

/**
 * SGD with momentum and L2 weight decay, as torch.optim.SGD (dampening 0, not Nesterov):
 * buf = m * buf + (g + wd * w); w -= lr * buf.
 *
 * <p>With a trust coefficient it is LARS (You et al., 2017, as used by BYOL, Barlow Twins,
 * VICReg and SwAV): for weights, g' = (g + wd * w) * eta * ||w|| / (||g|| + wd * ||w||);
 * biases and normalisation parameters are excluded from both the adaptation and weight decay.
 */
public final class Sgd extends Optimizer {
    /** LARS trust coefficient eta used by the SSL papers' implementations. */
    public static final float LARS_TRUST = 0.02f;

    private final float momentum;
    private final float weightDecay;
    private final float trust;
    private final List<NDArray> velocity;

    /** @param trust LARS trust coefficient, or 0 for plain SGD */
    public Sgd(List<Pair<String, Parameter>> parameters, float momentum, float weightDecay, float trust) {
        super(parameters);
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.trust = trust;
        this.velocity = addBuffer("momentum");
    }

    @Override
    public void step(float learningRate, long step) {
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i).getValue();
            NDArray w = p.getArray();
            NDArray g = w.getGradient();
            if (trust == 0) {
                g = g.add(w.mul(weightDecay));
            } else if (!excludedFromLars(p)) {
                float wNorm = w.norm().getFloat();
                float gNorm = g.norm().getFloat();
                g = g.add(w.mul(weightDecay));
                if (wNorm > 0 && gNorm > 0) {
                    g = g.mul(trust * wNorm / (gNorm + weightDecay * wNorm));
                }
            }
            velocity.get(i).muli(momentum).addi(g);
            w.subi(velocity.get(i).mul(learningRate));
        }
    }

    /** Biases and BatchNorm scale/shift: one-dimensional parameters. */
    static boolean excludedFromLars(Parameter p) {
        return p.getType() == Parameter.Type.BIAS || p.getType() == Parameter.Type.GAMMA
                || p.getType() == Parameter.Type.BETA || p.getArray().getShape().dimension() == 1;
    }
}
