package ai.oxbow.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OnlineKnnTest {
    @Test
    void classifiesBeforeRememberingAndSkipsUnlabelled() {
        OnlineKnn knn = new OnlineKnn(2, 2, 100, 100);
        knn.observe(new float[] {1, 0, 0, 1}, new int[] {0, 1});
        assertTrue(Double.isNaN(knn.top1()), "nothing to compare the first batch with");
        knn.observe(new float[] {2, 0.1f, 0.1f, 2, 5, 5}, new int[] {0, 1, -1});
        assertEquals(1.0, knn.top1(), 1e-9);
        knn.observe(new float[] {0, 3}, new int[] {0});
        assertEquals(2.0 / 3, knn.top1(), 1e-9, "the mislabelled (0, 3) votes class 1");
    }
}
