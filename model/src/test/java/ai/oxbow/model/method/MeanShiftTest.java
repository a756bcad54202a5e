package ai.oxbow.model.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The look-up bank is exactly the memory bank after the enqueue the official code does first. */
class MeanShiftTest {

    @Test
    void lookupBankEqualsTheBankAfterEnqueueIncludingWrapAround() {
        try (SslTrainer t = new SslTrainer(TestData.config("meanshift"));
                NDManager m = NDManager.newBaseManager("PyTorch")) {
            MeanShift method = (MeanShift) t.method();
            FeatureQueue memory = method.memoryBank();
            int dim = method.params().projectorOut();
            // Capacity 40, batches of 16: the third enqueue wraps around.
            for (int step = 0; step < 4; step++) {
                NDArray targets = m.randomNormal(new Shape(16, dim));
                List<String> lookup = rows(method.bankAfterEnqueue(targets));
                memory.enqueue(targets);
                assertEquals(rows(memory.all()), lookup, "bank at step " + step);
            }
        }
    }

    /** The rows as a sorted list (order within the bank does not matter to a k-NN look-up). */
    private static List<String> rows(NDArray bank) {
        long n = bank.getShape().get(0);
        int d = (int) bank.getShape().get(1);
        float[] flat = bank.toFloatArray();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Arrays.toString(Arrays.copyOfRange(flat, i * d, (i + 1) * d)));
        }
        out.sort(null);
        return out;
    }
}
