package ai.oxbow.model.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.LearnerCodec;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.state.StateFrame;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import ai.oxbow.model.train.TrainerConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamLearnerTest {
    static final TrainerConfig TRAINER = TestData.config("mocov2");
    static final Augmenter AUGMENTER = new Augmenter(
            Recipe.parse(
                    "mocov2",
                    "none",
                    TestData.SIZE,
                    1,
                    Map.of("blur", "0", "saturation", "0", "hue", "0", "grayscale", "0")),
            3);

    /** Generated grey images: HWC and CHW are the same bytes with one channel. */
    static List<ReplayItem> items(int from, int count) {
        LabeledImages images = GeneratedImages.generate(from + count, TestData.SIZE, 1, 1);
        List<ReplayItem> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(new ReplayItem("gen-" + i, i, images.labels()[i], images.image(i)));
        }
        return out;
    }

    static ReplayConfig replay(String policy, double updatesPerEvent) {
        return new ReplayConfig(policy, 32, updatesPerEvent, 0.5, TestData.BATCH, 7);
    }

    static void trainWhileDue(StreamLearner learner) {
        while (learner.due()) {
            learner.trainStep();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "reservoir", "minred"})
    void aRestoredLearnerHasTheSameStateAndTakesTheSameNextStep(String policy) {
        try (SslTrainer first = new SslTrainer(TRAINER);
                SslTrainer second = new SslTrainer(TRAINER)) {
            StreamLearner a = new StreamLearner(first, AUGMENTER, replay(policy, 1.5), 2);
            for (int chunk = 0; chunk < 3; chunk++) {
                a.admit(items(chunk * TestData.BATCH, TestData.BATCH));
                trainWhileDue(a);
            }
            a.admit(items(48, 10));
            assertTrue(a.evicted() > 0 && a.due());
            byte[] state = a.snapshot();

            StreamLearner b = new StreamLearner(second, AUGMENTER, replay(policy, 1.5), 0);
            RestoreReport report = b.restore(state);
            assertEquals(RestoreReport.Kind.BITWISE, report.kind());
            assertEquals(first.steps(), report.step());
            assertArrayEquals(state, b.snapshot());
            assertEquals(Float.floatToRawIntBits(a.trainStep()), Float.floatToRawIntBits(b.trainStep()));
            assertArrayEquals(a.snapshot(), b.snapshot());
        }
    }

    @Test
    void creditPaysForUpdatesPerEventAndEveryUseDrawsNewViews() {
        try (SslTrainer trainer = new SslTrainer(TRAINER)) {
            StreamLearner learner = new StreamLearner(trainer, AUGMENTER, replay("fifo", 2), 1);
            learner.admit(items(0, TestData.BATCH));
            assertEquals(2 * TestData.BATCH, learner.credit());
            assertEquals(2, learner.pendingSteps());
            trainWhileDue(learner);
            assertEquals(2, learner.steps());
            assertEquals(2 * TestData.BATCH, learner.replayed());
            // Each step samples the next step's batch before it trains: three batches of all 16 images.
            assertEquals(3.0, learner.meanUses());
            assertEquals(0, learner.credit());
            assertFalse(learner.due());
            assertEquals(2, trainer.steps());
            assertThrows(IllegalStateException.class, learner::trainStep);
        }
    }

    @Test
    void restoresABareTrainerStateWithAnEmptyBuffer() {
        try (SslTrainer old = new SslTrainer(TRAINER);
                SslTrainer fresh = new SslTrainer(TRAINER)) {
            TestData.trainOn(old, 1);
            StreamLearner learner = new StreamLearner(fresh, AUGMENTER, replay("reservoir", 1), 1);
            learner.admit(items(0, 8));
            learner.restore(old.snapshot());
            assertEquals(0, learner.bufferSize());
            assertEquals(0, learner.credit());
            assertEquals(1, fresh.steps());
            assertArrayEquals(old.snapshot(), fresh.snapshot());
        }
    }

    @Test
    void refusesANewerFormatOrAnotherPolicyWithoutChangingAnything() {
        try (SslTrainer trainer = new SslTrainer(TRAINER)) {
            StreamLearner learner = new StreamLearner(trainer, AUGMENTER, replay("fifo", 1), 1);
            learner.admit(items(0, 4));
            byte[] state = learner.snapshot();
            byte[] newer = state.clone();
            newer[7] = (byte) (LearnerCodec.FORMAT_VERSION + 1);
            IllegalArgumentException future =
                    assertThrows(IllegalArgumentException.class, () -> learner.restore(newer));
            assertTrue(future.getMessage().contains("newer"), future.getMessage());
            StreamLearner minred = new StreamLearner(trainer, AUGMENTER, replay("minred", 1), 1);
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> minred.restore(state));
            assertTrue(other.getMessage().contains("fifo"), other.getMessage());
            assertEquals(0, minred.bufferSize());
            byte[] flipped = state.clone();
            flipped[state.length - 1] ^= 1;
            assertThrows(CorruptStateException.class, () -> learner.restore(flipped), "a damaged body");
            assertArrayEquals(state, learner.snapshot());
        }
    }

    @Test
    void theNumberOfViewThreadsChangesNoBit() {
        try (SslTrainer first = new SslTrainer(TRAINER);
                SslTrainer second = new SslTrainer(TRAINER);
                StreamLearner inline = new StreamLearner(first, AUGMENTER, replay("reservoir", 2), 0);
                StreamLearner pooled = new StreamLearner(second, AUGMENTER, replay("reservoir", 2), 3)) {
            for (int chunk = 0; chunk < 3; chunk++) {
                inline.admit(items(chunk * TestData.BATCH, TestData.BATCH));
                pooled.admit(items(chunk * TestData.BATCH, TestData.BATCH));
                while (inline.due()) {
                    assertEquals(
                            Float.floatToRawIntBits(inline.trainStep()), Float.floatToRawIntBits(pooled.trainStep()));
                }
                assertFalse(pooled.due());
            }
            assertArrayEquals(inline.snapshot(), pooled.snapshot());
        }
    }

    @Test
    void restoresFormatOneWhichHadNoBatchSampledAhead() {
        try (SslTrainer trainer = new SslTrainer(TRAINER);
                SslTrainer other = new SslTrainer(TRAINER)) {
            StreamLearner learner = new StreamLearner(trainer, AUGMENTER, replay("fifo", 1), 1);
            learner.admit(items(0, 8));
            byte[] current = learner.snapshot();
            // Format 1 is magic, version 1 and today's body without its trailing next-batch count (0
            // here: no step taken yet), unframed.
            int body = StateFrame.read(current, LearnerCodec.MAGIC, LearnerCodec.FORMAT_VERSION, "learner")
                    .body()
                    .remaining();
            ByteBuffer formatOne = ByteBuffer.allocate(8 + body - 4)
                    .putInt(LearnerCodec.MAGIC)
                    .putInt(1)
                    .put(current, current.length - body, body - 4);
            StreamLearner restored = new StreamLearner(other, AUGMENTER, replay("fifo", 1), 1);
            assertEquals(
                    RestoreReport.Kind.OLDER_FORMAT,
                    restored.restore(formatOne.array()).kind());
            assertArrayEquals(current, restored.snapshot());
            assertEquals(8, restored.bufferSize());
        }
    }

    @Test
    void trainsOnEveryViewOfAMultiCropRecipe() {
        Augmenter multiCrop = new Augmenter(
                Recipe.parse("multicrop", "none", TestData.SIZE, 1, Map.of("local_crops", "3", "blur", "0")), 3);
        try (SslTrainer trainer = new SslTrainer(TestData.config("swav"));
                StreamLearner learner = new StreamLearner(trainer, multiCrop, replay("fifo", 1), 1)) {
            learner.admit(items(0, TestData.BATCH));
            assertTrue(Float.isFinite(learner.trainStep()));
            assertEquals(1, trainer.steps());
        }
    }
}
