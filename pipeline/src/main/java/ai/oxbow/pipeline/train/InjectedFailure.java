package ai.oxbow.pipeline.train;

/**
 * Test hook ({@link TrainerOptions#failAtStep}): the task fails once the trainer reaches a step,
 * after a checkpoint completed and on its first attempt only, so that it fails over and restores.
 */
final class InjectedFailure {
    private final long atStep;
    private long checkpointsCompleted;

    /** @param atStep 0: never */
    InjectedFailure(long atStep) {
        this.atStep = atStep;
    }

    void checkpointCompleted() {
        checkpointsCompleted++;
    }

    void check(long steps, int attempt) {
        if (atStep > 0 && steps >= atStep && checkpointsCompleted > 0 && attempt == 0) {
            throw new IllegalStateException("injected failure at step " + steps);
        }
    }
}
