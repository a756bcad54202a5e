package ai.oxbow.model.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A named, initialised DJL block with its parameters in a fixed order. The order comes from the
 * block structure, so two networks built by the same builder line up parameter by parameter:
 * that is what EMA updates and the state codec rely on.
 */
public final class Network {
    /**
     * PyTorch has one random generator per process and initialisers draw from it: every
     * initialisation holds this lock, and {@link #seeded} holds it from the seed to the last draw.
     */
    private static final ReentrantLock INITIALISATION = new ReentrantLock();

    private final String name;
    private final Block block;
    private final ParameterStore store;
    private final List<Pair<String, Parameter>> parameters = new ArrayList<>();
    /** Equal groups of a training batch passed separately, so that BatchNorm sees each alone (1: whole). */
    private int batchGroups = 1;

    public Network(String name, Block block, NDManager manager, Shape inputShape) {
        this.name = name;
        this.block = block;
        INITIALISATION.lock();
        try {
            block.initialize(manager, DataType.FLOAT32, inputShape);
        } finally {
            INITIALISATION.unlock();
        }
        this.store = new ParameterStore(manager, false);
        for (Pair<String, Parameter> p : block.getParameters()) {
            parameters.add(new Pair<>(name + "/" + p.getKey(), p.getValue()));
        }
    }

    /**
     * Seeds the engine's generator and builds networks (and anything else drawing from it) with no
     * other initialisation in between, so what {@code build} draws depends on the seed alone.
     */
    public static <T> T seeded(long seed, Supplier<T> build) {
        INITIALISATION.lock();
        try {
            Engine.getEngine("PyTorch").setRandomSeed((int) seed);
            return build.get();
        } finally {
            INITIALISATION.unlock();
        }
    }

    public String name() {
        return name;
    }

    public Block block() {
        return block;
    }

    public NDArray forward(NDArray input, boolean training) {
        return forward(new NDList(input), training);
    }

    /** The block on several inputs (e.g. MAE's decoder: tokens and the order that restores them). */
    public NDArray forward(NDList inputs, boolean training) {
        if (training && batchGroups > 1 && inputs.size() == 1) {
            NDList out = new NDList();
            for (NDArray group : inputs.singletonOrThrow().split(batchGroups, 0)) {
                out.add(block.forward(store, new NDList(group), true).singletonOrThrow());
            }
            return NDArrays.concat(out, 0);
        }
        return block.forward(store, inputs, training).singletonOrThrow();
    }

    /**
     * Passes each training batch in {@code groups} equal groups of rows, one after the other, so
     * that BatchNorm normalises each group with its own statistics (as ranks of a data-parallel
     * group would); 1 passes the batch whole.
     */
    public void splitBatches(int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("batch groups must be at least 1, not " + groups);
        }
        batchGroups = groups;
    }

    /** Where the block's parameters are read, for methods that run parts of a block (masked image modelling). */
    public ParameterStore store() {
        return store;
    }

    /** Every parameter, including BatchNorm running statistics, as (qualified name, parameter). */
    public List<Pair<String, Parameter>> parameters() {
        return parameters;
    }

    /** Parameters that receive gradients (weights, biases, BatchNorm affine), not running stats. */
    public List<Pair<String, Parameter>> trainable() {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            if (p.getValue().requiresGradient()) {
                out.add(p);
            }
        }
        return out;
    }

    /** Makes this a target network: no autograd graph is built through it. */
    public void freeze() {
        for (Pair<String, Parameter> p : parameters) {
            p.getValue().getArray().setRequiresGradient(false);
        }
    }

    /** Copies every array (weights and running statistics) from a network of the same shape. */
    public void copyFrom(Network other) {
        for (int i = 0; i < parameters.size(); i++) {
            other.parameters
                    .get(i)
                    .getValue()
                    .getArray()
                    .copyTo(parameters.get(i).getValue().getArray());
        }
    }
}
