package ai.oxbow.pipeline.io;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Raw Avro binary (no single-object header, no schema registry prefix): what Flink's Avro
 * deserializer and plain Avro readers expect on the wire.
 */
public final class Avro {
    private Avro() {}

    public static byte[] encode(SpecificRecord record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
        try {
            new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Confluent Schema Registry wire format: magic byte 0, schema id (4 bytes, big-endian), Avro binary. */
    public static byte[] confluent(int schemaId, SpecificRecord record) {
        byte[] body = encode(record);
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
    }

    /** Decodes a whole record; trailing bytes mean the writer used another schema. */
    public static <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) throws IOException {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
        T record = new SpecificDatumReader<>(type).read(null, decoder);
        if (!decoder.isEnd()) {
            throw new IOException("trailing bytes after a " + type.getSimpleName());
        }
        return record;
    }
}
