package ai.oxbow.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class CollapseTest {
    @Test
    void zeroWhenCollapsedAndTheFormulaOtherwise() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float[] same = {1, 2, 1, 2, 1, 2};
            assertEquals(0f, Collapse.std(m.create(same, new Shape(3, 2))), 1e-6);
            // Rows (1,0) and (0,1): each dimension is {1, 0}, unbiased std = sqrt(0.5).
            float[] spread = {3, 0, 0, 5};
            assertEquals(Math.sqrt(0.5), Collapse.std(m.create(spread, new Shape(2, 2))), 1e-6);
        }
    }
}
