package ai.oxbow.model.method;

import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.nn.Network;

/**
 * Drops a network's gradients during the first steps of training: SwAV's prototypes
 * (main_swav.py, freeze_prototypes_niters) and DINO's last layer (main_dino.py,
 * freeze_last_layer). The reference code sets the gradients to None so the optimiser skips the
 * parameters; here they are zeroed, so the optimiser still applies weight decay, a per-row shrink
 * that the unit-norm constraint of both layers (re-normalisation, weight normalisation) cancels.
 */
record GradientFreeze(Network network, long steps) {

    /** Call in {@link SslMethod#beforeUpdate}. */
    void apply(long step) {
        if (step >= steps) {
            return;
        }
        for (Pair<String, Parameter> p : network.trainable()) {
            p.getValue().getArray().getGradient().set(new NDIndex("..."), 0f);
        }
    }
}
