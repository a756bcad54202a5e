package ai.oxbow.pipeline.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

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
        return ByteBuffer.allocate(5 + body.length)
                .put((byte) 0)
                .putInt(schemaId)
                .put(body)
                .array();
    }

    /**
     * Decodes a whole record; trailing bytes mean the writer used another schema. The bytes are
     * walked first along the schema: a length or count prefix larger than what is left (a "length
     * bomb": a record of a few hundred bytes claiming a 2 GiB string) is refused before Avro
     * allocates it.
     */
    public static <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) throws IOException {
        int end = walk(SpecificData.get().getSchema(type), bytes, 0);
        if (end != bytes.length) {
            throw new IOException("trailing bytes after a " + type.getSimpleName());
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
        T record = new SpecificDatumReader<>(type).read(null, decoder);
        if (!decoder.isEnd()) {
            throw new IOException("trailing bytes after a " + type.getSimpleName());
        }
        return record;
    }

    /** Where the value of {@code schema} that starts at {@code pos} ends; every length checked. */
    private static int walk(Schema schema, byte[] b, int pos) throws IOException {
        switch (schema.getType()) {
            case NULL:
                return pos;
            case BOOLEAN:
                return need(b, pos, 1, "boolean");
            case FLOAT:
                return need(b, pos, 4, "float");
            case DOUBLE:
                return need(b, pos, 8, "double");
            case FIXED:
                return need(b, pos, schema.getFixedSize(), schema.getName());
            case INT:
            case LONG:
            case ENUM:
                return varintEnd(b, pos);
            case STRING:
            case BYTES: {
                long length = varint(b, pos);
                int start = varintEnd(b, pos);
                if (length < 0 || length > b.length - start) {
                    throw new IOException(schema.getType().getName() + " of " + length + " bytes at byte " + pos
                            + ", but " + (b.length - start) + " bytes are left");
                }
                return start + (int) length;
            }
            case RECORD:
                for (Schema.Field f : schema.getFields()) {
                    pos = walk(f.schema(), b, pos);
                }
                return pos;
            case UNION: {
                long branch = varint(b, pos);
                if (branch < 0 || branch >= schema.getTypes().size()) {
                    throw new IOException("union branch " + branch + " at byte " + pos);
                }
                return walk(schema.getTypes().get((int) branch), b, varintEnd(b, pos));
            }
            case ARRAY:
            case MAP: {
                while (true) {
                    long count = varint(b, pos);
                    pos = varintEnd(b, pos);
                    if (count == 0) {
                        return pos;
                    }
                    if (count < 0) {
                        count = -count;
                        pos = varintEnd(b, pos); // the block's size in bytes
                    }
                    if (count > b.length - pos) {
                        throw new IOException(
                                "a block of " + count + " items with " + (b.length - pos) + " bytes left");
                    }
                    for (long i = 0; i < count; i++) {
                        if (schema.getType() == Schema.Type.MAP) {
                            pos = walk(Schema.create(Schema.Type.STRING), b, pos);
                        }
                        pos = walk(
                                schema.getType() == Schema.Type.MAP ? schema.getValueType() : schema.getElementType(),
                                b,
                                pos);
                    }
                }
            }
            default:
                throw new IOException("unsupported schema type " + schema.getType());
        }
    }

    private static int need(byte[] b, int pos, int n, String what) throws IOException {
        if (n > b.length - pos) {
            throw new IOException("truncated " + what + " at byte " + pos);
        }
        return pos + n;
    }

    /** Avro's zig-zag varint at {@code pos}. */
    private static long varint(byte[] b, int pos) throws IOException {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= b.length) {
                throw new IOException("truncated number");
            }
            int v = b[pos++] & 0xFF;
            raw |= (long) (v & 0x7F) << shift;
            if ((v & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IOException("a number longer than 10 bytes");
    }

    private static int varintEnd(byte[] b, int pos) throws IOException {
        varint(b, pos);
        while ((b[pos] & 0x80) != 0) {
            pos++;
        }
        return pos + 1;
    }
}
