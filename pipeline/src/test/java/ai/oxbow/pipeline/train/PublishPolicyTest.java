package ai.oxbow.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PublishPolicyTest {
    private static PublishPolicy policy(long everySteps, long everyMs) {
        TrainerOptions options = new TrainerOptions(
                null, 1000, everySteps, everyMs, 0.1, true, 10, 0, TrainerOptions.Pace.BACKPRESSURE, 1, 0);
        return new PublishPolicy(options, () -> false, 0);
    }

    @Test
    void aVersionIsDueEveryKStepsOrTMillisecondsAndNeverWithoutANewStep() {
        PublishPolicy bySteps = policy(20, 0);
        assertFalse(bySteps.due(19, 1_000_000));
        assertTrue(bySteps.due(20, 0));
        PublishPolicy byTime = policy(0, 30_000);
        assertFalse(byTime.due(1, 29_999));
        assertTrue(byTime.due(1, 30_000));
        assertFalse(byTime.due(0, 60_000), "nothing trained since the last version");
    }
}
