package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.TrainerConfig;

import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The trainer operator alone, paced by back-pressure. */
class TrainerOperatorTest {
    static final int SIZE = 16;
    static final int BATCH = 8;

    static TrainerOperator operator(TrainerOperator.Pace pace) {
        TrainerConfig config = TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, BATCH);
        Augmenter augmenter = new Augmenter(Recipe.parse("simclr", "none", SIZE, 1, Map.of("blur", "0")), 1);
        // u = 2: four events pay for one step of eight images.
        ReplayConfig replay = new ReplayConfig("fifo", 64, 2, 0.5, BATCH, 3);
        return new TrainerOperator(config, replay, augmenter, new TrainerOperator.Options(null, null, 60_000, 0, 0,
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
