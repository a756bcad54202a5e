package ai.oxbow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.method.MoCoV2Plus;
import ai.oxbow.model.method.MomentumPair;
import ai.oxbow.model.method.Nnclr;
import ai.oxbow.model.nd.Network;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;

class SslTrainerTest {
    static final int SIZE = 16;
    static final int BATCH = 16;

    static TrainerConfig config(String method) {
        HashMap<String, String> options = new HashMap<>();
        options.put(method.equals("nnclr") ? "support_size" : "queue_size", "40");
        TrainerConfig d = TrainerConfig.defaults(method, "small-cnn", 1, SIZE, BATCH);
        return new TrainerConfig(d.method(), d.encoder(), d.channels(), d.size(), d.seed(), 0.05f,
                d.momentum(), d.weightDecay(), 2, 100, true, d.mean(), d.std(), options);
    }

    private static float trainOn(SslTrainer trainer, long seed) {
        float[][] v = TestData.views(BATCH, SIZE, 1, seed);
        return trainer.train(v[0], v[1], BATCH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mocov2", "nnclr"})
    void restoredTrainerContinuesBitForBit(String method) {
        try (SslTrainer a = new SslTrainer(config(method))) {
            for (int s = 0; s < 4; s++) {
                trainOn(a, s);
            }
            byte[] checkpoint = a.snapshot();
            try (SslTrainer b = new SslTrainer(config(method).withSeed(7))) {
                assertFalse(java.util.Arrays.equals(checkpoint, b.snapshot()), "a fresh trainer differs");
                b.restore(checkpoint);
                assertArrayEquals(checkpoint, b.snapshot(), "restore is exact");
                for (int s = 4; s < 7; s++) {
                    float la = trainOn(a, s);
                    float lb = trainOn(b, s);
                    assertEquals(Float.floatToRawIntBits(la), Float.floatToRawIntBits(lb), "loss bits at step " + s);
                }
                assertArrayEquals(a.snapshot(), b.snapshot(), "state after 3 more steps");
                assertEquals(7, b.step());
            }
        }
    }

    @Test
    void stopGradientSideGetsNoGradientAndOnlineSideDoes() {
        try (SslTrainer t = new SslTrainer(config("mocov2"))) {
            MoCoV2Plus moco = (MoCoV2Plus) t.method();
            float[][] v = TestData.views(BATCH, SIZE, 1, 1);
            // Run the loss under a collector without stepping, then inspect gradients.
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch");
                 ai.djl.training.GradientCollector gc = m.getEngine().newGradientCollector()) {
                var x1 = m.create(v[0], new ai.djl.ndarray.types.Shape(BATCH, 1, SIZE, SIZE));
                var x2 = m.create(v[1], new ai.djl.ndarray.types.Shape(BATCH, 1, SIZE, SIZE));
                gc.backward(moco.loss(x1, x2));
            }
            for (MomentumPair pair : moco.momentumPairs()) {
                for (Pair<String, Parameter> p : pair.target().parameters()) {
                    assertFalse(p.getValue().getArray().hasGradient(), "target " + p.getKey() + " has a gradient");
                }
            }
            for (Network net : moco.online()) {
                double total = 0;
                for (Pair<String, Parameter> p : net.trainable()) {
                    total += p.getValue().getArray().getGradient().abs().sum().getFloat();
                }
                assertTrue(total > 0, net.name() + " received no gradient");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mocov2", "nnclr"})
    void trainsWithoutNonFiniteValuesAndFillsBuffers(String method) {
        try (SslTrainer t = new SslTrainer(config(method))) {
            for (int s = 0; s < 20; s++) {
                assertTrue(Float.isFinite(trainOn(t, s)), "loss at step " + s);
            }
            assertEquals(20, t.step());
            long filled = t.method() instanceof MoCoV2Plus m ? m.queue(0).filled() : ((Nnclr) t.method()).supportSet().filled();
            assertEquals(40, filled, "queue/support set full");
            float[] emb = t.embed(TestData.views(4, SIZE, 1, 99)[0], 4);
            assertEquals(4 * 256, emb.length);
            for (float x : emb) {
                assertTrue(Float.isFinite(x));
            }
        }
    }

    @Test
    void trainsOnAThreadOtherThanTheOneThatStartedTheEngine() throws Exception {
        try (SslTrainer t = new SslTrainer(config("mocov2"))) {
            float[] loss = new float[1];
            Thread worker = new Thread(() -> loss[0] = trainOn(t, 0));
            worker.start();
            worker.join();
            assertTrue(Float.isFinite(loss[0]));
            assertEquals(1, t.step());
        }
    }

    @Test
    void emaTargetMovesTowardOnlineButStaysDistinct() {
        try (SslTrainer t = new SslTrainer(config("mocov2"))) {
            MomentumPair pair = t.method().momentumPairs().get(0);
            float[] before = pair.target().parameters().get(0).getValue().getArray().toFloatArray();
            assertArrayEquals(before, pair.online().parameters().get(0).getValue().getArray().toFloatArray(),
                    "key encoder starts as a copy of the query encoder");
            trainOn(t, 0);
            float[] online = pair.online().parameters().get(0).getValue().getArray().toFloatArray();
            float[] target = pair.target().parameters().get(0).getValue().getArray().toFloatArray();
            float tau = 0.99f;
            // target = tau * before + (1 - tau) * online after the first step.
            for (int i = 0; i < 50; i++) {
                assertEquals(tau * before[i] + (1 - tau) * online[i], target[i], 1e-6);
            }
            assertNotEquals(online[0], target[0]);
        }
    }

    @Test
    void refusesStateOfAnotherMethodOrANewerFormat() {
        try (SslTrainer moco = new SslTrainer(config("mocov2")); SslTrainer nnclr = new SslTrainer(config("nnclr"))) {
            byte[] state = moco.snapshot();
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> nnclr.restore(state));
            assertTrue(wrong.getMessage().contains("mocov2"), wrong.getMessage());
            byte[] newer = state.clone();
            newer[7] = 99;
            IllegalArgumentException future = assertThrows(IllegalArgumentException.class, () -> moco.restore(newer));
            assertTrue(future.getMessage().contains("newer"), future.getMessage());
        }
    }

    @Test
    void nonFiniteLossSkipsTheStepAndKeepsStateIntact() {
        try (SslTrainer t = new SslTrainer(config("mocov2"))) {
            trainOn(t, 0);
            byte[] before = t.snapshot();
            float[][] v = TestData.views(BATCH, SIZE, 1, 5);
            v[0][3] = Float.NaN;
            assertTrue(Float.isNaN(t.train(v[0], v[1], BATCH)));
            assertEquals(1, t.stats().skippedSteps());
            byte[] after = t.snapshot();
            // Identical but for the skipped-step counter.
            try (SslTrainer r = new SslTrainer(config("mocov2"))) {
                r.restore(after);
                assertEquals(1, r.stats().skippedSteps());
                assertEquals(1, r.step());
            }
            assertEquals(before.length, after.length);
            assertTrue(Float.isFinite(trainOn(t, 1)), "training goes on after a skipped step");
        }
    }
}
