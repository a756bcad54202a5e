package ai.oxbow.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.train.StateVisitor;

import java.util.ArrayList;
import java.util.List;

/**
 * SGD with momentum and weight decay, as torch.optim.SGD (dampening 0, not Nesterov):
 * buf = m * buf + (g + wd * w); w -= lr * buf. Written here rather than using DJL's optimiser
 * because DJL keys its momentum buffers by random parameter ids with no public accessor, so they
 * could not be checkpointed; here they are named after their parameter.
 */
public final class Sgd {
    private final float momentum;
    private final float weightDecay;
    private final List<Pair<String, Parameter>> parameters;
    private final List<NDArray> buffers = new ArrayList<>();

    public Sgd(List<Pair<String, Parameter>> parameters, float momentum, float weightDecay) {
        this.parameters = parameters;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        for (Pair<String, Parameter> p : parameters) {
            buffers.add(p.getValue().getArray().zerosLike());
        }
    }

    /** Applies one update from the accumulated gradients. Call inside an NDScope. */
    public void step(float learningRate) {
        for (int i = 0; i < parameters.size(); i++) {
            NDArray w = parameters.get(i).getValue().getArray();
            NDArray g = w.getGradient();
            buffers.get(i).muli(momentum).addi(g.add(w.mul(weightDecay)));
            w.subi(buffers.get(i).mul(learningRate));
        }
    }

    /** Clears gradients by overwriting, so that a NaN gradient does not survive (NaN * 0 = NaN). */
    public void zeroGradients() {
        for (Pair<String, Parameter> p : parameters) {
            p.getValue().getArray().getGradient().set(new NDIndex("..."), 0f);
        }
    }

    public void visit(StateVisitor state) {
        for (int i = 0; i < parameters.size(); i++) {
            state.tensor("optimizer/momentum/" + parameters.get(i).getKey(), buffers.get(i));
        }
    }
}
