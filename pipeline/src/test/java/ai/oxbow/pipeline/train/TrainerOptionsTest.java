package ai.oxbow.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TrainerOptionsTest {
    @Test
    void aBadOptionIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new TrainerOptions(null, 1000, -1, 0, 0.1, true, 10, 0, TrainerOptions.Pace.SAMPLE, 1, 0));
        assertEquals("trainer option publishEverySteps must be at least 0, not -1", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new TrainerOptions(null, 1000, 0, 0, Double.NaN, true, 10, 0, TrainerOptions.Pace.SAMPLE, 1, 0));
        assertEquals("trainer option collapseThreshold must be a finite number of at least 0, not NaN", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new TrainerOptions(null, 1000, 0, 0, 0.1, true, 10, 0, null, 1, 0));
        assertEquals("trainer option pace is required", e.getMessage());
    }
}
