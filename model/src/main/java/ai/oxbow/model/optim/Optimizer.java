package ai.oxbow.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.state.StateVisitor;
import java.util.ArrayList;
import java.util.List;

/**
 * An optimiser over named parameters whose state buffers are named after them, so they can be
 * checkpointed (DJL's optimisers key their state by random parameter ids without an accessor).
 */
public abstract class Optimizer {
    public static final List<String> NAMES = List.of("sgd", "lars", "adamw");

    protected final List<Pair<String, Parameter>> parameters;
    private final List<String> bufferNames = new ArrayList<>();
    private final List<List<NDArray>> buffers = new ArrayList<>();

    protected Optimizer(List<Pair<String, Parameter>> parameters) {
        this.parameters = parameters;
    }

    /**
     * @param momentum    SGD/LARS momentum, AdamW beta1
     * @param beta2       AdamW's second-moment decay (unused by SGD and LARS)
     * @param weightDecay decoupled for AdamW, L2 for SGD and LARS
     */
    public static Optimizer create(
            String name, List<Pair<String, Parameter>> parameters, float momentum, float beta2, float weightDecay) {
        return switch (name) {
            case "sgd" -> new Sgd(parameters, momentum, weightDecay, 0);
            case "lars" -> new Sgd(parameters, momentum, weightDecay, Sgd.LARS_TRUST);
            case "adamw" -> new AdamW(parameters, momentum, beta2, weightDecay);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "', expected one of " + NAMES);
        };
    }

    /** A zero buffer per parameter, checkpointed as optimizer/NAME/PARAMETER. */
    protected final List<NDArray> addBuffer(String name) {
        List<NDArray> list = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            list.add(p.getValue().getArray().zerosLike());
        }
        bufferNames.add(name);
        buffers.add(list);
        return list;
    }

    /** Applies one update from the accumulated gradients (step counts from 0). Call inside an NDScope. */
    public abstract void step(float learningRate, long step);

    /** Clears gradients by overwriting, so that a NaN gradient does not survive (NaN * 0 = NaN). */
    public final void zeroGradients() {
        for (Pair<String, Parameter> p : parameters) {
            p.getValue().getArray().getGradient().set(new NDIndex("..."), 0f);
        }
    }

    public final void visit(StateVisitor state) {
        for (int b = 0; b < buffers.size(); b++) {
            for (int i = 0; i < parameters.size(); i++) {
                state.tensor(
                        "optimizer/" + bufferNames.get(b) + "/"
                                + parameters.get(i).getKey(),
                        buffers.get(b).get(i));
            }
        }
    }
}
