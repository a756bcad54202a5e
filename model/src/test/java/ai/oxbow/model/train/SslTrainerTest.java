package ai.oxbow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.method.MomentumPair;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SslTrainerTest {
    static final int SIZE = 16;
    static final int BATCH = 16;

    static TrainerConfig config(String method) {
        return TestData.config(method);
    }

    private static float trainOn(SslTrainer trainer, long seed) {
        return TestData.trainOn(trainer, seed);
    }

    @Test
    void trainsOnAThreadOtherThanTheOneThatStartedTheEngine() throws Exception {
        try (SslTrainer t = new SslTrainer(config("mocov2"))) {
            float[] loss = new float[1];
            Throwable[] failure = new Throwable[1];
            Thread worker = new Thread(() -> loss[0] = trainOn(t, 0));
            worker.setUncaughtExceptionHandler((thread, e) -> failure[0] = e);
            worker.start();
            worker.join();
            if (failure[0] != null) {
                throw new AssertionError("the training thread failed", failure[0]);
            }
            assertTrue(Float.isFinite(loss[0]));
            assertEquals(1, t.steps());
            assertNull(t.method().takeProjection(), "the step took its projection: no array outlives its scope");
        }
    }

    @Test
    void emaTargetMovesTowardOnlineButStaysDistinct() {
        try (SslTrainer t = new SslTrainer(config("mocov2"))) {
            MomentumPair pair = t.method().momentumPairs().get(0);
            float[] before =
                    pair.target().parameters().get(0).getValue().getArray().toFloatArray();
            assertArrayEquals(
                    before,
                    pair.online().parameters().get(0).getValue().getArray().toFloatArray(),
                    "key encoder starts as a copy of the query encoder");
            trainOn(t, 0);
            float[] online =
                    pair.online().parameters().get(0).getValue().getArray().toFloatArray();
            float[] target =
                    pair.target().parameters().get(0).getValue().getArray().toFloatArray();
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
        try (SslTrainer moco = new SslTrainer(config("mocov2"));
                SslTrainer nnclr = new SslTrainer(config("nnclr"))) {
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
            assertTrue(Float.isNaN(t.train(ViewBatch.pair(v[0], v[1], BATCH, SIZE))));
            assertEquals(1, t.stats().skippedSteps());
            Map<String, Object> after = TestData.entries(t);
            Map<String, Object> expected;
            try (SslTrainer r = new SslTrainer(config("mocov2"))) {
                r.restore(before);
                expected = TestData.entries(r);
            }
            assertEquals(0L, expected.put("stats/skipped_steps", 1L));
            assertEquals(expected, after, "every weight, buffer and counter bitwise as before, but the skip counter");
            assertTrue(Float.isFinite(trainOn(t, 1)), "training goes on after a skipped step");
        }
    }
}
