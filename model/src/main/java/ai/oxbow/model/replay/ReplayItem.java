package ai.oxbow.model.replay;

/**
 * An image as the replay buffer keeps it: 8-bit CHW at the trainer's channels and size (a
 * quarter of the float image's memory), with its id (it seeds the augmentation), event time and
 * label (-1 if unknown; for evaluation only, never for training).
 */
public record ReplayItem(String id, long eventTime, int label, byte[] pixels) {}
