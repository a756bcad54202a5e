package ai.oxbow.pipeline.kafka;

import ai.oxbow.pipeline.io.Avro;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic as a read_committed consumer would see it: only committed transactions. */
public final class TopicReader {
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private TopicReader() {}

    /**
     * The end offsets once no transaction is pending. A transaction's commit returns before its
     * markers reach the partitions, so right after a job commits, the last stable offset can lag
     * the high watermark; reading to it then would miss committed records.
     */
    private static Map<TopicPartition, Long> settledEnd(
            KafkaConsumer<byte[], byte[]> committed, KafkaClient kafka, List<TopicPartition> partitions) {
        Map<String, Object> props = kafka.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        try (KafkaConsumer<byte[], byte[]> uncommitted = new KafkaConsumer<>(props)) {
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (true) {
                Map<TopicPartition, Long> stable = committed.endOffsets(partitions);
                if (stable.equals(uncommitted.endOffsets(partitions)) || System.nanoTime() > deadline) {
                    return stable;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return stable;
                }
            }
        }
    }

    public static <T extends SpecificRecord> List<T> readCommitted(KafkaClient kafka, String topic, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommittedRaw(kafka, topic)) {
            try {
                out.add(Avro.decode(r.value(), type));
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "undecodable record at " + r.topic() + "/" + r.partition() + "@" + r.offset(), e);
            }
        }
        return out;
    }

    /** Every committed record of the topic as bytes, partition by partition in offset order. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommittedRaw(KafkaClient kafka, String topic) {
        Map<String, Object> props = kafka.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = settledEnd(consumer, kafka, partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }
}
