package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.nn.Network;
import java.util.List;

/**
 * An online network and its exponential-moving-average target: target = tau * target +
 * (1 - tau) * online over the trainable parameters. BatchNorm running statistics are not
 * averaged: the target keeps its own, as in the MoCo and BYOL reference code.
 */
public record MomentumPair(Network online, Network target) {

    public static MomentumPair of(Network online, Network target) {
        target.copyFrom(online);
        target.freeze();
        return new MomentumPair(online, target);
    }

    public void update(float tau) {
        List<Pair<String, Parameter>> src = online.parameters();
        List<Pair<String, Parameter>> dst = target.parameters();
        for (int i = 0; i < src.size(); i++) {
            Parameter from = src.get(i).getValue();
            if (from.requiresGradient()) {
                NDArray t = dst.get(i).getValue().getArray();
                t.muli(tau).addi(from.getArray().mul(1f - tau));
            }
        }
    }
}
