package ai.oxbow.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.CheckpointInfo;
import ai.oxbow.pipeline.ops.ModelImage;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.OperatorStreamStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The trainer operator alone: paced by back-pressure; its state restored bit for bit or refused. */
class TrainerOperatorTest {
    static final int SIZE = 16;
    static final int BATCH = 8;
    /** One job: a restore within it is a failover, not a fork. */
    static final JobID JOB = new JobID();

    static final TrainerConfig CONFIG = TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, BATCH);
    static final Augmenter AUGMENTER = new Augmenter(Recipe.parse("simclr", "none", SIZE, 1, Map.of("blur", "0")), 1);
    // u = 2: four events pay for one step of eight images.
    static final ReplayConfig REPLAY = new ReplayConfig("fifo", 64, 2, 0.5, BATCH, 3);

    static TrainerOperator operator(TrainerOptions.Pace pace) {
        return new TrainerOperator(CONFIG, REPLAY, AUGMENTER, new TrainerOptions(null, 60_000, 0, 0,
                0.1, true, 10, 0, pace, 1, 0));
    }

    @Test
    void backPressureAdmitsTheEventsOfOneStepAndReturnsWhenTheyAreTrained() throws Exception {
        LabeledImages images = GeneratedImages.generate(20, SIZE, 1, 5);
        TrainerOperator op = operator(TrainerOptions.Pace.BACKPRESSURE);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            for (int i = 0; i < 20; i++) {
                h.processElement(new ModelImage("img-" + i, i, images.labels()[i], images.image(i)), i);
                // Every fourth event completes a step's credit; the call returns once it is trained.
                assertEquals(stepsAfter((i + 1) / 4), op.steps(), "after event " + i);
            }
        }
    }

    @Test
    void aRestoredTrainerHoldsTheVeryStateSnapshottedAndRefusesACorruptOne() throws Exception {
        OperatorSubtaskState state = trainedState(JOB);
        byte[] blob = CheckpointInfo.trainerBlob(handle(state));
        try (var h = inMemory(operator(TrainerOptions.Pace.BACKPRESSURE))) {
            h.setRestoredCheckpointId(1);
            h.initializeState(state);
            h.open();
            assertArrayEquals(blob, CheckpointInfo.trainerBlob(handle(h.snapshot(2, 2))), "restored state, snapshotted again");
        }

        // One bit flipped in the middle of the blob (the list state holds its length, then its bytes).
        OperatorStateHandle good = handle(state);
        byte[] bytes = good.getDelegateStateHandle().asBytesIfInMemory().orElseThrow().clone();
        bytes[(int) good.getStateNameToPartitionOffsets().get("trainer-state").getOffsets()[0] + 4 + blob.length / 2] ^= 1;
        OperatorSubtaskState corrupt = OperatorSubtaskState.builder().setManagedOperatorState(new OperatorStreamStateHandle(
                good.getStateNameToPartitionOffsets(), new ByteStreamStateHandle("corrupt", bytes))).build();
        try (var h = inMemory(operator(TrainerOptions.Pace.BACKPRESSURE))) {
            h.setRestoredCheckpointId(1);
            Exception e = assertThrows(Exception.class, () -> h.initializeState(corrupt));
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertTrue(root.getMessage().contains("trainer state of checkpoint 1 is corrupt: CRC-32C"), root.getMessage());
        }
    }

    @Test
    void aFailureOnTheTrainingThreadFailsTheTaskNamingItsCause() throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(operator(TrainerOptions.Pace.BACKPRESSURE));
        h.open();
        // An image of the wrong shape (the job's model-input step never makes one) fails the
        // training thread as it enters the replay buffer; the task thread must not carry on.
        Exception e = assertThrows(Exception.class, () -> {
            for (int i = 0; i < 8; i++) {
                h.processElement(new ModelImage("wrong-" + i, i, 0, new byte[10]), i);
            }
        });
        assertEquals("training thread failed", e.getMessage());
        assertTrue(e.getCause().getMessage().contains("has 10 bytes, expected 1x16x16"), e.getCause().getMessage());
        assertThrows(Exception.class, () -> h.snapshot(1, 1), "no checkpoint of a failed trainer");
    }

    @Test
    void stateRestoredIntoAnotherJobForksAndPublishesVersionsOfItsOwn() throws Exception {
        OperatorSubtaskState state = trainedState(JOB);
        assertEquals(0, lineage(CheckpointInfo.trainerBlob(handle(state))));
        OperatorSubtaskState forked;
        try (var h = inMemory(operator(TrainerOptions.Pace.BACKPRESSURE), new JobID())) {
            h.setRestoredCheckpointId(1);
            h.initializeState(state);
            h.open();
            forked = h.snapshot(2, 2);
        }
        assertEquals(1, lineage(CheckpointInfo.trainerBlob(handle(forked))), "a new job forks the lineage");
        try (var h = inMemory(operator(TrainerOptions.Pace.BACKPRESSURE), JOB)) {
            h.setRestoredCheckpointId(2);
            h.initializeState(forked);
            h.open();
            assertEquals(2, lineage(CheckpointInfo.trainerBlob(handle(h.snapshot(3, 3)))),
                    "the forked state was written by the other job");
        }
    }

    /** 12 events trained by a job, snapshotted as checkpoint 1. */
    private static OperatorSubtaskState trainedState(JobID job) throws Exception {
        LabeledImages images = GeneratedImages.generate(12, SIZE, 1, 5);
        try (var h = inMemory(operator(TrainerOptions.Pace.BACKPRESSURE), job)) {
            h.open();
            for (int i = 0; i < 12; i++) {
                h.processElement(new ModelImage("img-" + i, i, images.labels()[i], images.image(i)), i);
            }
            return h.snapshot(1, 1);
        }
    }

    private static long lineage(byte[] learnerBlob) {
        try (SslTrainer trainer = new SslTrainer(CONFIG); StreamLearner learner = new StreamLearner(trainer, AUGMENTER,
                REPLAY, 0)) {
            learner.restore(learnerBlob);
            trainer.publish();
            assertEquals(trainer.lineage() * SslTrainer.LINEAGE_STRIDE + trainer.steps(), trainer.publishedVersion());
            return trainer.lineage();
        }
    }

    private static OneInputStreamOperatorTestHarness<ModelImage, byte[]> inMemory(TrainerOperator op) throws Exception {
        return inMemory(op, JOB);
    }

    /** A harness of a job whose checkpoints stay in memory, as bytes a test can read and corrupt. */
    private static OneInputStreamOperatorTestHarness<ModelImage, byte[]> inMemory(TrainerOperator op, JobID job)
            throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(op, MockEnvironment.builder().setJobID(job).build());
        h.setCheckpointStorage(new JobManagerCheckpointStorage(64 << 20));
        return h;
    }

    private static OperatorStateHandle handle(OperatorSubtaskState state) {
        return state.getManagedOperatorState().iterator().next();
    }

    /**
     * Steps after k admissions of four images, eight credit each. Each step trains on the batch
     * sampled at the previous step (min(8, images buffered then)) and samples the next, so while
     * the buffer fills the batches are smaller and cheaper.
     */
    private static long stepsAfter(int admissions) {
        int credit = 0;
        int buffered = 0;
        int next = 0;
        long steps = 0;
        for (int k = 0; k < admissions; k++) {
            buffered += 4;
            credit += 8;
            while (credit >= BATCH) {
                int current = next > 0 ? next : Math.min(BATCH, buffered);
                next = Math.min(BATCH, buffered);
                credit -= current;
                steps++;
            }
        }
        return steps;
    }
}
