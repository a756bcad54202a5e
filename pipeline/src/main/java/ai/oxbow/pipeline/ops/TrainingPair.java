package ai.oxbow.pipeline.ops;

/** One image ready for the trainer: the clean input for its embedding and two random views (CHW, [0, 1]). */
public class TrainingPair {
    public String id;
    public long eventTime;
    public int label;
    public float[] clean;
    public float[] view1;
    public float[] view2;

    public TrainingPair() {}

    public TrainingPair(String id, long eventTime, int label, float[] clean, float[] view1, float[] view2) {
        this.id = id;
        this.eventTime = eventTime;
        this.label = label;
        this.clean = clean;
        this.view1 = view1;
        this.view2 = view2;
    }
}
