package ai.oxbow.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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

    /**
     * The gradient is rewritten in place (the trainer zeroes it after the step) and every
     * parameter-sized temporary is closed at once: a step allocates no parameter-sized memory that
     * outlives one parameter's update.
     */
    @Override
    public void step(float learningRate, long step) {
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i).getValue();
            NDArray w = p.getArray();
            NDArray g = w.getGradient();
            if (trust == 0) {
                addDecay(g, w);
            } else if (!excludedFromLars(p)) {
                // The trust ratio stays a tensor: no round trip to the host per parameter.
                NDArray wNorm = w.norm();
                NDArray gNorm = g.norm();
                NDArray ratio = wNorm.mul(trust).div(gNorm.add(wNorm.mul(weightDecay)));
                NDArray adapt = wNorm.gt(0).logicalAnd(gNorm.gt(0));
                addDecay(g, w);
                g.muli(NDArrays.where(adapt, ratio, ratio.onesLike()));
            }
            velocity.get(i).muli(momentum).addi(g);
            try (NDArray update = velocity.get(i).mul(learningRate)) {
                w.subi(update);
            }
        }
    }

    private void addDecay(NDArray g, NDArray w) {
        try (NDArray decay = w.mul(weightDecay)) {
            g.addi(decay);
        }
    }

    /** Biases and BatchNorm scale/shift: one-dimensional parameters. */
    static boolean excludedFromLars(Parameter p) {
        return p.getType() == Parameter.Type.BIAS
                || p.getType() == Parameter.Type.GAMMA
                || p.getType() == Parameter.Type.BETA
                || p.getArray().getShape().dimension() == 1;
    }
}
