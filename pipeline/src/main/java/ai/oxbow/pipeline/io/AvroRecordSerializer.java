package ai.oxbow.pipeline.io;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes Avro records to one topic, keyed by a field (the image id): raw Avro binary, or with a
 * schema id the Confluent Schema Registry wire format (byte 0, the id as a big-endian int, then
 * the Avro binary) for indexers that read it. Register the schema under the topic's subject
 * first and pass the id it returns (README, "Schema Registry").
 *
 * <p>Records carry no timestamp of their own, so the producer stamps them with the time they are
 * sent (processing time): an image's {@code event_time} stays in the record, but a camera clock
 * hours ahead, a time before 1970 or a backfill older than the topic's retention would be refused
 * by the broker or deleted right after it is committed.
 */
public final class AvroRecordSerializer<T extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {
    private final String topic;
    private final SerializableKey<T> key;
    private final int schemaId;

    /** A key function that travels with the job graph. */
    public interface SerializableKey<T> extends Function<T, String>, java.io.Serializable {}

    /** @param schemaId Schema Registry id of the record's schema, or -1 for raw Avro binary */
    public AvroRecordSerializer(String topic, SerializableKey<T> key, int schemaId) {
        this.topic = topic;
        this.key = key;
        this.schemaId = schemaId;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        String k = key.apply(element);
        return new ProducerRecord<>(
                topic,
                null,
                null,
                k == null ? null : k.getBytes(StandardCharsets.UTF_8),
                schemaId < 0 ? Avro.encode(element) : Avro.confluent(schemaId, element));
    }
}
