package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.CheckpointInfo;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
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

    static TrainerOperator operator(TrainerOperator.Pace pace) {
        TrainerConfig config = TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, BATCH);
        Augmenter augmenter = new Augmenter(Recipe.parse("simclr", "none", SIZE, 1, Map.of("blur", "0")), 1);
        // u = 2: four events pay for one step of eight images.
        ReplayConfig replay = new ReplayConfig("fifo", 64, 2, 0.5, BATCH, 3);
        return new TrainerOperator(config, replay, augmenter, new TrainerOperator.Options(null, 60_000, 0, 0,
                0.1, true, 10, 0, pace, 1, 0));
    }

    @Test
    void backPressureAdmitsTheEventsOfOneStepAndReturnsWhenTheyAreTrained() throws Exception {
        LabeledImages images = GeneratedImages.generate(20, SIZE, 1, 5);
        TrainerOperator op = operator(TrainerOperator.Pace.BACKPRESSURE);
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
        LabeledImages images = GeneratedImages.generate(12, SIZE, 1, 5);
        OperatorSubtaskState state;
        try (var h = inMemory(operator(TrainerOperator.Pace.BACKPRESSURE))) {
            h.open();
            for (int i = 0; i < 12; i++) {
                h.processElement(new ModelImage("img-" + i, i, images.labels()[i], images.image(i)), i);
            }
            state = h.snapshot(1, 1);
        }
        byte[] blob = CheckpointInfo.trainerBlob(handle(state));
        try (var h = inMemory(operator(TrainerOperator.Pace.BACKPRESSURE))) {
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
        try (var h = inMemory(operator(TrainerOperator.Pace.BACKPRESSURE))) {
            h.setRestoredCheckpointId(1);
            Exception e = assertThrows(Exception.class, () -> h.initializeState(corrupt));
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertTrue(root.getMessage().contains("trainer state of checkpoint 1 is corrupt: CRC-32C"), root.getMessage());
        }
    }

    /** A harness whose checkpoints stay in memory, as bytes a test can read and corrupt. */
    private static OneInputStreamOperatorTestHarness<ModelImage, byte[]> inMemory(TrainerOperator op) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(op);
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
