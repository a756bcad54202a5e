package ai.oxbow.model.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What every method must do, checked for each joint-embedding method on small-cnn and for five on
 * vit-tiny: SimCLR (one joint forward of the views), BYOL (an EMA target, one forward per view),
 * DINO (EMA teacher, frozen last layer, the multi-crop student), and the masked-image-modelling
 * methods, which need a ViT (MAE, SimMIM).
 */
class MethodContractTest {
    static final List<String> VIT_METHODS = List.of("simclr", "byol", "dino", "mae", "simmim");
    static final List<Arguments> CASES = Stream.concat(
                    Methods.NAMES.stream()
                            .filter(m -> !Methods.MASKED.contains(m))
                            .map(m -> arguments(m, "small-cnn")),
                    VIT_METHODS.stream().map(m -> arguments(m, "vit-tiny")))
            .toList();

    @ParameterizedTest
    @FieldSource("CASES")
    void restoredTrainerContinuesBitForBit(String method, String encoder) {
        try (SslTrainer a = new SslTrainer(TestData.config(method, encoder))) {
            for (int s = 0; s < 4; s++) {
                TestData.trainOn(a, s);
            }
            byte[] checkpoint = a.snapshot();
            try (SslTrainer b = new SslTrainer(TestData.config(method, encoder).withSeed(7))) {
                assertFalse(Arrays.equals(checkpoint, b.snapshot()), "a fresh trainer differs");
                b.restore(checkpoint);
                assertEquals(TestData.entries(a), TestData.entries(b), "restore is exact");
                for (int s = 4; s < 7; s++) {
                    float la = TestData.trainOn(a, s);
                    float lb = TestData.trainOn(b, s);
                    assertEquals(Float.floatToRawIntBits(la), Float.floatToRawIntBits(lb), "loss bits at step " + s);
                }
                assertEquals(TestData.entries(a), TestData.entries(b), "state after 3 more steps");
                assertEquals(7, b.steps());
            }
        }
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void stopGradientSideGetsNoGradientAndOnlineSideDoes(String method, String encoder) {
        try (SslTrainer t = new SslTrainer(TestData.config(method, encoder))) {
            SslMethod m = t.method();
            float[][] v = TestData.views(TestData.BATCH, TestData.SIZE, 1, 1);
            Shape shape = new Shape(TestData.BATCH, 1, TestData.SIZE, TestData.SIZE);
            try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
                Views views = Views.pair(nd.create(v[0], shape), nd.create(v[1], shape));
                m.beforeStep(views, 0);
                try (GradientCollector gc = nd.getEngine().newGradientCollector()) {
                    gc.backward(m.loss(views, 0));
                }
            }
            for (MomentumPair pair : m.momentumPairs()) {
                for (Pair<String, Parameter> p : pair.target().parameters()) {
                    assertFalse(p.getValue().getArray().hasGradient(), "target " + p.getKey() + " has a gradient");
                }
            }
            for (Network net : m.online()) {
                double total = 0;
                for (Pair<String, Parameter> p : net.trainable()) {
                    total += p.getValue().getArray().getGradient().abs().sum().getFloat();
                }
                assertTrue(total > 0, net.name() + " received no gradient");
            }
        }
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void multiCropBatchesTrainAndRestoreBitForBit(String method, String encoder) {
        try (SslTrainer a = new SslTrainer(TestData.config(method, encoder))) {
            for (int s = 0; s < 3; s++) {
                assertTrue(Float.isFinite(TestData.trainMultiCropOn(a, s)), method + " loss at step " + s);
            }
            try (SslTrainer b = new SslTrainer(TestData.config(method, encoder).withSeed(7))) {
                b.restore(a.snapshot());
                for (int s = 3; s < 5; s++) {
                    float la = TestData.trainMultiCropOn(a, s);
                    float lb = TestData.trainMultiCropOn(b, s);
                    assertEquals(Float.floatToRawIntBits(la), Float.floatToRawIntBits(lb), "loss bits at step " + s);
                }
                assertEquals(TestData.entries(a), TestData.entries(b), "state after multi-crop steps");
            }
        }
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void fiftyStepsWithoutNonFiniteValuesAndBuffersFill(String method, String encoder) {
        try (SslTrainer t = new SslTrainer(TestData.config(method, encoder))) {
            for (int s = 0; s < 50; s++) {
                assertTrue(Float.isFinite(TestData.trainOn(t, s)), method + " loss at step " + s);
            }
            assertEquals(50, t.steps());
            for (Map.Entry<String, Long> fill : t.method().bufferFill().entrySet()) {
                assertEquals(40, fill.getValue(), fill.getKey() + " full");
            }
            float[] emb = t.embed(TestData.views(4, TestData.SIZE, 1, 99)[0], 4);
            assertEquals(4 * Encoders.dim(encoder), emb.length);
            for (float x : emb) {
                assertTrue(Float.isFinite(x));
            }
        }
    }
}
