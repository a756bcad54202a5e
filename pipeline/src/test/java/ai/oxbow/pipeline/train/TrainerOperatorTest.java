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
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.CheckpointInfo;
import ai.oxbow.pipeline.ops.ModelImage;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.OperatorStreamStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The trainer operator alone, fed the shared stream (sample pace): its state restored bit for bit
 * or refused, forked into another job, and a failure of its training thread surfaced. The pace of
 * its own reader is {@code TrainerReaderTest}'s and the jobs' (PipelineIT).
 */
class TrainerOperatorTest {
    static final int SIZE = 16;
    static final int BATCH = 8;
    /** One job: a restore within it is a failover, not a fork. */
    static final JobID JOB = new JobID();

    static final TrainerConfig CONFIG = TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, BATCH);
    static final Augmenter AUGMENTER = new Augmenter(Recipe.parse("simclr", "none", SIZE, 1, Map.of("blur", "0")), 1);
    // u = 2: four events pay for one step of eight images.
    static final ReplayConfig REPLAY = new ReplayConfig("fifo", 64, 2, 0.5, BATCH, 3);

    static TrainerOperator operator() {
        return new TrainerOperator(
                CONFIG,
                REPLAY,
                AUGMENTER,
                new TrainerOptions(null, 60_000, 0, 0, 0.1, true, 10, 0, TrainerOptions.Pace.SAMPLE, 1, 0),
                null);
    }

    @Test
    void theTrainerReadsTheTopicItselfExactlyWhenItPacesByBackPressure() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new TrainerOperator(
                        CONFIG,
                        REPLAY,
                        AUGMENTER,
                        new TrainerOptions(
                                null, 60_000, 0, 0, 0.1, true, 10, 0, TrainerOptions.Pace.BACKPRESSURE, 1, 0),
                        null));
    }

    @Test
    void aRestoredTrainerHoldsTheVeryStateSnapshottedAndRefusesACorruptOne() throws Exception {
        OperatorSubtaskState state = trainedState(JOB);
        byte[] blob = CheckpointInfo.trainerBlob(handle(state));
        try (var h = inMemory(operator())) {
            h.setRestoredCheckpointId(1);
            h.initializeState(state);
            h.open();
            assertArrayEquals(
                    blob, CheckpointInfo.trainerBlob(handle(h.snapshot(2, 2))), "restored state, snapshotted again");
        }

        // One bit flipped in the middle of the trainer's entry (the list state holds its length, then its bytes).
        OperatorStateHandle good = handle(state);
        byte[] bytes =
                good.getDelegateStateHandle().asBytesIfInMemory().orElseThrow().clone();
        bytes[
                (int) good.getStateNameToPartitionOffsets()
                                .get(TrainerCheckpoint.MODEL)
                                .getOffsets()[0]
                        + 4
                        + blob.length / 2] ^= 1;
        OperatorSubtaskState corrupt = OperatorSubtaskState.builder()
                .setManagedOperatorState(new OperatorStreamStateHandle(
                        good.getStateNameToPartitionOffsets(), new ByteStreamStateHandle("corrupt", bytes)))
                .build();
        try (var h = inMemory(operator())) {
            h.setRestoredCheckpointId(1);
            Exception e = assertThrows(Exception.class, () -> h.initializeState(corrupt));
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertTrue(root.getMessage().contains("corrupt trainer group model: body CRC-32C"), root.getMessage());
        }
    }

    @Test
    void aFailureOnTheTrainingThreadFailsTheTaskNamingItsCause() throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(operator());
        h.open();
        // An image of the wrong shape (the job's model-input step never makes one) fails the
        // training thread as it enters the replay buffer; the task thread must not carry on.
        Exception e = assertThrows(Exception.class, () -> {
            for (int i = 0; ; i++) {
                h.processElement(new ModelImage("wrong-" + i, i, 0, new byte[10]), i);
                Thread.sleep(10);
            }
        });
        assertEquals("training thread failed", e.getMessage());
        assertTrue(
                e.getCause().getMessage().contains("has 10 bytes, expected 1x16x16"),
                e.getCause().getMessage());
        assertThrows(Exception.class, () -> h.snapshot(1, 1), "no checkpoint of a failed trainer");
    }

    @Test
    void stateRestoredIntoAnotherJobForksAndPublishesVersionsOfItsOwn() throws Exception {
        OperatorSubtaskState state = trainedState(JOB);
        assertEquals(0, lineage(CheckpointInfo.trainerBlob(handle(state))));
        OperatorSubtaskState forked;
        try (var h = inMemory(operator(), new JobID())) {
            h.setRestoredCheckpointId(1);
            h.initializeState(state);
            h.open();
            forked = h.snapshot(2, 2);
        }
        assertEquals(1, lineage(CheckpointInfo.trainerBlob(handle(forked))), "a new job forks the lineage");
        try (var h = inMemory(operator(), JOB)) {
            h.setRestoredCheckpointId(2);
            h.initializeState(forked);
            h.open();
            assertEquals(
                    2,
                    lineage(CheckpointInfo.trainerBlob(handle(h.snapshot(3, 3)))),
                    "the forked state was written by the other job");
        }
    }

    /** 12 events trained by a job until nothing is due, snapshotted as checkpoint 1. */
    private static OperatorSubtaskState trainedState(JobID job) throws Exception {
        LabeledImages images = GeneratedImages.generate(12, SIZE, 1, 5);
        TrainerOperator op = operator();
        try (var h = inMemory(op, job)) {
            h.open();
            for (int i = 0; i < 12; i++) {
                h.processElement(new ModelImage("img-" + i, i, images.labels()[i], images.image(i)), i);
            }
            while (!op.idle()) {
                Thread.sleep(10);
            }
            return h.snapshot(1, 1);
        }
    }

    private static long lineage(byte[] trainerBlob) {
        try (SslTrainer trainer = new SslTrainer(CONFIG)) {
            trainer.restore(trainerBlob);
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
        var h = new OneInputStreamOperatorTestHarness<>(
                op, MockEnvironment.builder().setJobID(job).build());
        h.setCheckpointStorage(new JobManagerCheckpointStorage(64 << 20));
        return h;
    }

    private static OperatorStateHandle handle(OperatorSubtaskState state) {
        return state.getManagedOperatorState().iterator().next();
    }
}
