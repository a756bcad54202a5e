package ai.oxbow.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.oxbow.schemas.EmbeddingEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The SCAN fields of EmbeddingEvent (cluster_id, cluster_probability) are an evolution with
 * defaults: a consumer on the schema before them reads new events, and new consumers read old ones
 * as "no cluster".
 */
class EmbeddingSchemaEvolutionTest {
    static final List<String> ADDED = List.of("cluster_id", "cluster_probability");

    /** The schema as it was before the SCAN fields: today's without them. */
    static Schema before() {
        Schema now = EmbeddingEvent.getClassSchema();
        List<Schema.Field> fields = now.getFields().stream()
                .filter(f -> !ADDED.contains(f.name()))
                .map(f -> new Schema.Field(f, f.schema()))
                .toList();
        return Schema.createRecord(now.getName(), now.getDoc(), now.getNamespace(), false, fields);
    }

    @Test
    void anOldConsumerReadsNewEventsAndANewOneReadsOldEvents() throws IOException {
        EmbeddingEvent event = EmbeddingEvent.newBuilder()
                .setImageId("img-3")
                .setEventTime(Instant.ofEpochMilli(5))
                .setModelVersion(12)
                .setMethod("emp")
                .setEncoderName("small-cnn")
                .setDim(2)
                .setLabel(4)
                .setVector(List.of(0.25f, -1f))
                .setClusterId(7)
                .setClusterProbability(0.9f)
                .build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder out = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(EmbeddingEvent.class).write(event, out);
        out.flush();
        Schema old = before();
        GenericRecord seenByOld = new GenericDatumReader<GenericRecord>(EmbeddingEvent.getClassSchema(), old)
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertEquals("img-3", seenByOld.get("image_id").toString());
        assertEquals(12L, seenByOld.get("model_version"));
        assertNull(seenByOld.getSchema().getField("cluster_id"));

        GenericRecord oldEvent = new GenericData.Record(old);
        for (Schema.Field f : old.getFields()) {
            oldEvent.put(f.name(), seenByOld.get(f.name()));
        }
        ByteArrayOutputStream oldBytes = new ByteArrayOutputStream();
        BinaryEncoder oldOut = EncoderFactory.get().binaryEncoder(oldBytes, null);
        new GenericDatumWriter<GenericRecord>(old).write(oldEvent, oldOut);
        oldOut.flush();
        EmbeddingEvent seenByNew = new SpecificDatumReader<EmbeddingEvent>(old, EmbeddingEvent.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(oldBytes.toByteArray(), null));
        assertEquals("img-3", seenByNew.getImageId());
        assertEquals(-1, seenByNew.getClusterId(), "no cluster");
        assertEquals(0f, seenByNew.getClusterProbability());
    }
}
