package ai.oxbow.model.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.oxbow.model.nd.Numeric;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ViT on the real engine: output shape and parameter count, no batch coupling, gradients from
 * every patch to every parameter, the separable parts, other grids, and SimCLR training it.
 */
class VitTinyTest {
    static final int SIZE = 16;
    static final int GRID = SIZE / VitTiny.PATCH;
    static NDManager manager;
    static Network net;
    static VitTiny vit;
    static ParameterStore store;

    @BeforeAll
    static void build() {
        manager = NDManager.newBaseManager("PyTorch");
        net = Network.seeded(
                1, () -> new Network("vit", Encoders.build("vit-tiny"), manager, new Shape(2, 1, SIZE, SIZE)));
        vit = (VitTiny) net.block();
        store = new ParameterStore(manager, false);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static NDArray images(int n, int size, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        return manager.randomUniform(0, 1, new Shape(n, 1, size, size));
    }

    @Test
    void oneClsFeaturePerImageIndependentOfTheBatch() {
        NDArray x = images(3, SIZE, 2);
        NDArray out = net.forward(x, false);
        assertEquals(new Shape(3, VitTiny.DIM), out.getShape());
        assertEquals(VitTiny.DIM, Encoders.dim("vit-tiny"));
        // No BatchNorm: an image's feature does not depend on its batch (view_forward each = joint).
        NDArray alone = net.forward(x.get(new NDIndex("1:2")), false);
        assertArrayEquals(out.get(new NDIndex("1:2")).toFloatArray(), alone.toFloatArray(), 1e-5f);

        long block = 2 * VitTiny.DIM // norm1
                + VitTiny.DIM * 3L * VitTiny.DIM
                + 3 * VitTiny.DIM // attn.qkv
                + (long) VitTiny.DIM * VitTiny.DIM
                + VitTiny.DIM // attn.proj
                + 2 * VitTiny.DIM // norm2
                + 2L * VitTiny.DIM * VitTiny.MLP_HIDDEN
                + VitTiny.MLP_HIDDEN
                + VitTiny.DIM; // mlp
        long expected = (long) VitTiny.DIM * VitTiny.PATCH * VitTiny.PATCH
                + VitTiny.DIM // patch embedding
                + VitTiny.DIM * (2L + GRID * GRID) // CLS token, 1 + 16 positions
                + VitTiny.DEPTH * block
                + 2 * VitTiny.DIM; // blocks, final norm
        long count = 0;
        for (Pair<String, Parameter> p : net.trainable()) {
            count += p.getValue().getArray().size();
        }
        assertEquals(expected, count);
        assertEquals(net.parameters().size(), net.trainable().size(), "nothing but trainable parameters");
    }

    @Test
    void theClsFeatureDependsOnEveryPatchAndEveryParameter() {
        NDArray x = images(1, SIZE, 3);
        x.setRequiresGradient(true);
        // A random read-out: the plain sum of a LayerNorm's output is constant (0 at initialisation).
        NDArray readOut = manager.randomNormal(new Shape(1, VitTiny.DIM));
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
            gc.backward(net.forward(x, true).mul(readOut).sum());
        }
        NDArray grad = x.getGradient();
        for (int row = 0; row < GRID; row++) {
            for (int col = 0; col < GRID; col++) {
                int r = row * VitTiny.PATCH;
                int c = col * VitTiny.PATCH;
                NDIndex patch = new NDIndex("0, 0, {}:{}, {}:{}", r, r + VitTiny.PATCH, c, c + VitTiny.PATCH);
                assertTrue(grad.get(patch).abs().sum().getFloat() > 0, "no gradient from patch " + row + "," + col);
            }
        }
        for (Pair<String, Parameter> p : net.trainable()) {
            NDArray g = p.getValue().getArray().getGradient();
            assertTrue(g.abs().sum().getFloat() > 0, p.getKey() + " has no gradient");
        }
    }

    /**
     * The gradients are the same whether or not a garbage collection falls between forward and
     * backward: attention scales q by a number, and a number DJL wraps over JVM memory is garbage
     * by the backward pass after a collection (see Scalars; it made fifty-step runs NaN at random).
     */
    @Test
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward() {
        NDArray x = images(2, SIZE, 4);
        NDArray readOut = manager.randomNormal(new Shape(2, VitTiny.DIM));
        float[][] grads = new float[2][];
        for (int run = 0; run < 2; run++) {
            for (Pair<String, Parameter> p : net.trainable()) {
                p.getValue().getArray().getGradient().set(new NDIndex("..."), 0f);
            }
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDArray loss = net.forward(x, true).mul(readOut).sum();
                if (run == 1) {
                    Numeric.collectGarbage(manager);
                }
                gc.backward(loss);
            }
            NDArray qkv = net.trainable().stream()
                    .filter(p -> p.getKey().contains("qkv"))
                    .findFirst()
                    .orElseThrow()
                    .getValue()
                    .getArray();
            grads[run] = qkv.getGradient().toFloatArray();
        }
        assertArrayEquals(grads[0], grads[1], "qkv weight gradient");
    }

    @Test
    void simClrOnVitTinyLowersItsLossOnARepeatedBatch() {
        try (SslTrainer t = new SslTrainer(TestData.config("simclr", "vit-tiny"))) {
            float first = TestData.trainOn(t, 0);
            float last = first;
            for (int s = 1; s < 12; s++) {
                last = TestData.trainOn(t, 0);
                assertTrue(Float.isFinite(last), "loss at step " + s);
            }
            assertTrue(last < first, "loss " + first + " -> " + last);
        }
    }

    @Test
    void thePartsComposeToTheForwardAndEncodeAnyTokenSubset() {
        NDArray x = images(2, SIZE, 4);
        NDArray patches = vit.patchTokens(store, x, false);
        assertEquals(new Shape(2, GRID * GRID, VitTiny.DIM), patches.getShape());
        NDArray cls =
                vit.encode(store, vit.withCls(store, patches, false), false).get(new NDIndex(":, 0"));
        assertArrayEquals(net.forward(x, false).toFloatArray(), cls.toFloatArray(), 1e-6f);
        // What patchTokens adds: without it, a blank image's patches are all the convolution's bias.
        NDArray positions = vit.positions(store, GRID, GRID, false);
        NDArray blank = vit.patchTokens(store, manager.zeros(new Shape(1, 1, SIZE, SIZE)), false)
                .sub(positions);
        assertTrue(blank.sub(blank.get(new NDIndex(":, :1"))).abs().max().getFloat() < 1e-6f);
        assertTrue(
                positions.sub(positions.get(new NDIndex(":, :1"))).abs().max().getFloat() > 1e-3f);

        // MAE's case: a subset of the patches, each keeping its position embedding.
        NDArray subset = patches.get(new NDIndex(":, {}", manager.create(new long[] {3, 7, 8, 12, 15})));
        NDArray encoded = vit.encode(store, vit.withCls(store, subset, false), false);
        assertEquals(new Shape(2, 6, VitTiny.DIM), encoded.getShape());
        // Attention has no order of its own: shuffling the subset leaves the CLS feature as it is.
        NDArray shuffled = patches.get(new NDIndex(":, {}", manager.create(new long[] {15, 8, 3, 12, 7})));
        NDArray again = vit.encode(store, vit.withCls(store, shuffled, false), false);
        assertArrayEquals(
                encoded.get(new NDIndex(":, 0")).toFloatArray(),
                again.get(new NDIndex(":, 0")).toFloatArray(),
                1e-5f);
        float differs = encoded.get(new NDIndex(":, 0")).sub(cls).abs().max().getFloat();
        assertTrue(differs > 1e-3, "the subset's CLS feature equals the full image's");
    }

    @Test
    void otherGridsResizeThePositionEmbeddingsAndDropIncompletePatches() {
        NDArray small = images(2, 12, 5);
        assertEquals(new Shape(2, VitTiny.DIM), net.forward(small, false).getShape());
        // 14x14 is a 3x3 grid of patches, the last two rows and columns unseen.
        NDArray padded = manager.zeros(new Shape(2, 1, 14, 14));
        padded.set(new NDIndex(":, :, :12, :12"), small);
        assertArrayEquals(
                net.forward(small, false).toFloatArray(),
                net.forward(padded, false).toFloatArray(),
                1e-6f);
    }
}
