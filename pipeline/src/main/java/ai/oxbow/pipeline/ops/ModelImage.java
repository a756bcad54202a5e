package ai.oxbow.pipeline.ops;

import ai.oxbow.model.augment.Pixels;
import java.util.List;

/**
 * A valid image at the encoder's input shape: 8-bit samples, CHW, channels x size x size. Both
 * the embedders and the trainer's replay buffer take it; one byte per sample keeps the buffer
 * and the network traffic four times smaller than floats. Label -1 when the event had none.
 */
public class ModelImage {
    public String id;
    public long eventTime;
    public int label;
    public byte[] chw;

    public ModelImage() {}

    public ModelImage(String id, long eventTime, int label, byte[] chw) {
        this.id = id;
        this.eventTime = eventTime;
        this.label = label;
        this.chw = chw;
    }

    /** Samples in [0, 1], as the networks take them. */
    public float[] floats() {
        return Pixels.unit(chw);
    }

    /** Images of one shape as one batch of floats in [0, 1], image after image (an embedder's input). */
    public static float[] batch(List<ModelImage> images) {
        int pixels = images.isEmpty() ? 0 : images.get(0).chw.length;
        float[] out = new float[images.size() * pixels];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i).floats(), 0, out, i * pixels, pixels);
        }
        return out;
    }
}
