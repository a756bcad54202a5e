package ai.oxbow.pipeline.ops;

/** Items for one training step, in arrival order. */
public class MicroBatch {
    public TrainingPair[] items;

    public MicroBatch() {}

    public MicroBatch(TrainingPair[] items) {
        this.items = items;
    }
}
