package ai.oxbow.model.train;

import ai.oxbow.model.state.StateVisitor;

/** Counters that are part of trainer state: the step is the model version. */
public final class TrainerStats {
    long steps;
    long skippedSteps;
    long imagesTrained;
    // Wall-clock figures of this process only: not learned state, so not checkpointed.
    long imagesTimed;
    long trainNanos;
    float collapseStd = Float.NaN;
    long projectionDim;
    float lossFirst = Float.NaN;
    float lossLast = Float.NaN;
    /** The SCAN head's last loss (NaN while off or before its bank has a row); not state. */
    float scanLoss = Float.NaN;

    void recordStep(float loss, int images, long nanos) {
        if (steps == 0) {
            lossFirst = loss;
        }
        lossLast = loss;
        steps++;
        imagesTrained += images;
        imagesTimed += images;
        trainNanos += nanos;
    }

    public long steps() {
        return steps;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    public long imagesTrained() {
        return imagesTrained;
    }

    public float lossFirst() {
        return lossFirst;
    }

    public float lossLast() {
        return lossLast;
    }

    /** Collapse indicator of the last step (see {@link ai.oxbow.model.eval.Collapse}); not state. */
    public float collapseStd() {
        return collapseStd;
    }

    public float scanLoss() {
        return scanLoss;
    }

    /** The collapse indicator of healthy, spread-out projections: 1 / sqrt(d). */
    public double healthyCollapseStd() {
        return projectionDim == 0 ? Double.NaN : 1 / Math.sqrt(projectionDim);
    }

    /** Source images per second spent in training steps in this process (each image has two views). */
    public double imagesPerSecond() {
        return trainNanos == 0 ? 0 : imagesTimed * 1e9 / trainNanos;
    }

    void visit(StateVisitor state) {
        steps = state.scalar("stats/steps", steps);
        skippedSteps = state.scalar("stats/skipped_steps", skippedSteps);
        imagesTrained = state.scalar("stats/images_trained", imagesTrained);
        lossFirst = state.floatScalar("stats/loss_first", lossFirst);
        lossLast = state.floatScalar("stats/loss_last", lossLast);
    }
}
