package ai.oxbow.model.replay;

import ai.oxbow.model.augment.Pixels;
import java.util.List;

/**
 * An image as the replay buffer keeps it: 8-bit CHW at the trainer's channels and size (a
 * quarter of the float image's memory), with its id (it seeds the augmentation), event time and
 * label (-1 if unknown; for evaluation only, never for training).
 */
public record ReplayItem(String id, long eventTime, int label, byte[] pixels) {
    /**
     * Images of one shape as the float batch an encoder embeds: CHW in [0, 1], image after image
     * (the clean images, not views).
     */
    public static float[] cleanBatch(List<ReplayItem> items) {
        int pixels = items.isEmpty() ? 0 : items.get(0).pixels().length;
        float[] batch = new float[items.size() * pixels];
        for (int i = 0; i < items.size(); i++) {
            System.arraycopy(Pixels.unit(items.get(i).pixels()), 0, batch, i * pixels, pixels);
        }
        return batch;
    }
}
