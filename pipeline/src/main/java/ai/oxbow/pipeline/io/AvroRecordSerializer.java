package ai.oxbow.pipeline.io;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** Writes Avro records as raw binary values to one topic, keyed by a field (the image id). */
public final class AvroRecordSerializer<T extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {
    private final String topic;
    private final SerializableKey<T> key;

    /** A key function that travels with the job graph. */
    public interface SerializableKey<T> extends Function<T, String>, java.io.Serializable {}

    public AvroRecordSerializer(String topic, SerializableKey<T> key) {
        this.topic = topic;
        this.key = key;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        String k = key.apply(element);
        return new ProducerRecord<>(topic, null, timestamp,
                k == null ? null : k.getBytes(StandardCharsets.UTF_8), Avro.encode(element));
    }
}
