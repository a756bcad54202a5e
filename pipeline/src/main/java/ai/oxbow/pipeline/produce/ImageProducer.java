package ai.oxbow.pipeline.produce;

import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.schemas.ImageEvent;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Streams ImageEvents (raw Avro binary, keyed by id) into a topic at a chosen rate. */
public final class ImageProducer {
    private ImageProducer() {}

    /**
     * @param ratePerSecond events per second; 0 or less = as fast as the broker takes them
     * @return the number of events sent
     */
    public static long produce(
            KafkaClient kafka, String topic, Iterator<ImageEvent> events, long limit, double ratePerSecond) {
        kafka.check();
        long sent = 0;
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = kafka.bytesProducer(Map.of(
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Topics.MAX_MESSAGE_BYTES))) {
            while (events.hasNext() && sent < limit) {
                ImageEvent e = events.next();
                producer.send(new ProducerRecord<>(topic, e.getId().getBytes(StandardCharsets.UTF_8), Avro.encode(e)));
                sent++;
                if (ratePerSecond > 0) {
                    long due = start + (long) (sent * 1e9 / ratePerSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                }
            }
            producer.flush();
        }
        return sent;
    }
}
