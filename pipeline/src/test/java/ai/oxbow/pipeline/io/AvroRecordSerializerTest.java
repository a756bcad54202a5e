package ai.oxbow.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.oxbow.schemas.EmbeddingEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class AvroRecordSerializerTest {
    static final EmbeddingEvent EVENT = EmbeddingEvent.newBuilder()
            .setImageId("img-7")
            .setEventTime(Instant.ofEpochMilli(1_000))
            .setModelVersion(40)
            .setMethod("mocov2")
            .setEncoderName("small-cnn")
            .setDim(3)
            .setLabel(2)
            .setVector(List.of(0.5f, -1f, 2f))
            .build();

    private static ProducerRecord<byte[], byte[]> serialize(int schemaId) {
        return new AvroRecordSerializer<EmbeddingEvent>("t", EmbeddingEvent::getImageId, schemaId)
                .serialize(EVENT, null, 5L);
    }

    @Test
    void rawAvroByDefault() throws Exception {
        ProducerRecord<byte[], byte[]> r = serialize(-1);
        assertNull(r.timestamp(), "no timestamp of the image's: the producer stamps the time of sending");
        assertEquals("img-7", new String(r.key(), StandardCharsets.UTF_8));
        assertEquals(EVENT, Avro.decode(r.value(), EmbeddingEvent.class));
    }

    /** Confluent's wire format: magic byte 0, the schema id big-endian, then the same Avro binary. */
    @Test
    void schemaRegistryWireFormatWithTheGivenId() throws Exception {
        byte[] value = serialize(0x01020304).value();
        assertEquals(0, value[0]);
        assertEquals(0x01020304, ByteBuffer.wrap(value, 1, 4).getInt());
        byte[] body = Arrays.copyOfRange(value, 5, value.length);
        assertArrayEquals(Avro.encode(EVENT), body);
        assertEquals(EVENT, Avro.decode(body, EmbeddingEvent.class));
    }
}
