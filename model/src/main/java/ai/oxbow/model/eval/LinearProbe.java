package ai.oxbow.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The linear probe of the SSL literature, one fixed recipe: multinomial logistic regression on
 * frozen features. Features are standardised with the training set's per-dimension mean and
 * standard deviation; weights and biases start at zero and take {@value #ITERATIONS} full-batch
 * Adam steps (lr {@value #LEARNING_RATE}, betas 0.9 / 0.999) on the mean cross-entropy plus
 * {@value #L2} x ||W||^2 / 2. The problem is convex and the schedule fixed, so the score is a
 * deterministic function of the features. Labels are used here only; they never reach a loss
 * of the encoder.
 */
public final class LinearProbe {
    static final int ITERATIONS = 300;
    static final float LEARNING_RATE = 0.05f;
    static final float L2 = 1e-4f;

    private LinearProbe() {}

    /** Top-1 accuracy on the test rows of a classifier fitted on the training rows (rows of length dim). */
    public static double top1(float[] train, int[] trainLabels, float[] test, int[] testLabels, int dim, int classes) {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            int n = trainLabels.length;
            NDArray x = m.create(train, new Shape(n, dim));
            NDArray mean = x.mean(new int[] {0}, true);
            NDArray std = x.sub(mean).square().mean(new int[] {0}, true).sqrt().add(1e-6f);
            x = x.sub(mean).div(std);
            NDArray y = m.create(trainLabels).oneHot(classes, DataType.FLOAT32);
            NDArray w = m.zeros(new Shape(dim, classes));
            NDArray b = m.zeros(new Shape(1, classes));
            NDArray[] moments = {
                m.zeros(w.getShape()), m.zeros(w.getShape()), m.zeros(b.getShape()), m.zeros(b.getShape())
            };
            for (int t = 1; t <= ITERATIONS; t++) {
                // Every array of an iteration is closed with its scope; the updates are in place.
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    // d/dlogits of the mean cross-entropy is (P - Y) / n.
                    NDArray error = x.matMul(w).add(b).softmax(1).sub(y).div(n);
                    adam(w, x.transpose().matMul(error).add(w.mul(L2)), moments[0], moments[1], t);
                    adam(b, error.sum(new int[] {0}, true), moments[2], moments[3], t);
                }
            }
            NDArray logits = m.create(test, new Shape(testLabels.length, dim))
                    .sub(mean)
                    .div(std)
                    .matMul(w)
                    .add(b);
            long[] predicted = logits.argMax(1).toLongArray();
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                if (predicted[i] == testLabels[i]) {
                    correct++;
                }
            }
            return (double) correct / testLabels.length;
        }
    }

    private static void adam(NDArray param, NDArray grad, NDArray m1, NDArray m2, int t) {
        m1.muli(0.9f).addi(grad.mul(0.1f));
        m2.muli(0.999f).addi(grad.square().mul(0.001f));
        float correction1 = (float) (1 - Math.pow(0.9, t));
        float correction2 = (float) (1 - Math.pow(0.999, t));
        param.subi(
                m1.div(correction1).div(m2.div(correction2).sqrt().add(1e-8f)).mul(LEARNING_RATE));
    }
}
