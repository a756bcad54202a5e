package ai.oxbow.model.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** DINO's teacher temperature follows the official schedule, linspace(warmup, final, W) then final. */
class DinoTest {
    @Test
    void teacherTemperatureReachesItsFinalValueAtStepWMinusOne() {
        Dino.Params p = Dino.Params.from(new MethodOptions(
                Map.of("warmup_teacher_temp", "0.04", "teacher_temp", "0.07", "teacher_temp_warmup_steps", "4")));
        // np.linspace(0.04, 0.07, 4) = [0.04, 0.05, 0.06, 0.07], then 0.07.
        float[] want = {0.04f, 0.05f, 0.06f, 0.07f, 0.07f, 0.07f};
        for (int step = 0; step < want.length; step++) {
            assertEquals(want[step], p.teacherTemperature(step), 1e-7, "step " + step);
        }
    }

    @Test
    void oneWarmUpStepIsTheWarmUpTemperatureAndNoneIsTheFinalOne() {
        Dino.Params one = Dino.Params.from(new MethodOptions(Map.of("teacher_temp_warmup_steps", "1")));
        assertEquals(0.04f, one.teacherTemperature(0));
        assertEquals(0.07f, one.teacherTemperature(1));
        Dino.Params none = Dino.Params.from(new MethodOptions(Map.of("teacher_temp_warmup_steps", "0")));
        assertEquals(0.07f, none.teacherTemperature(0));
    }
}
