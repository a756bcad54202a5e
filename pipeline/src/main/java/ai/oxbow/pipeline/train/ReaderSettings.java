package ai.oxbow.pipeline.train;

import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.ops.ImageDecoder;
import java.io.Serializable;

/**
 * Where a trainer rank's own reader reads the images topic, and how it turns records into model
 * input (the decode limits and the encoder's channels and side).
 *
 * @param groupId consumer group whose committed offsets a job starting without state begins at
 * @param bounded stop at the end offsets as of the first start (kept in the checkpoint)
 */
public record ReaderSettings(
        KafkaClient kafka, String topic, String groupId, boolean bounded, ImageDecoder decoder, int channels, int size)
        implements Serializable {}
