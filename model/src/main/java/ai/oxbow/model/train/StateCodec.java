package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The versioned binary format of trainer state (Flink keeps it as one opaque blob).
 *
 * <pre>
 * int   magic 0x4F58424F ("OXBO")
 * int   format version (1)
 * UTF   method, UTF encoder, int channels, int size
 * int   entry count, then per entry: UTF name, byte kind (0 tensor, 1 scalar) and
 *       tensor: UTF dtype, int rank, long[rank] shape, int length, raw little-endian bytes
 *       scalar: long value (floats as their raw IEEE-754 bits)
 * </pre>
 *
 * Decoding refuses a newer format, another method/encoder/shape, or a missing or extra entry,
 * with a message that says which; it never restores half a state.
 */
public final class StateCodec {
    public static final int MAGIC = 0x4F58424F;
    public static final int FORMAT_VERSION = 1;

    private StateCodec() {}

    static byte[] encode(SslTrainer trainer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            TrainerConfig c = trainer.config();
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeUTF(c.method());
            out.writeUTF(c.encoder());
            out.writeInt(c.channels());
            out.writeInt(c.size());
            Map<String, Object> entries = new LinkedHashMap<>();
            trainer.visit(new StateVisitor() {
                @Override
                public void tensor(String name, NDArray live) {
                    entries.put(name, live);
                }

                @Override
                public long scalar(String name, long value) {
                    entries.put(name, value);
                    return value;
                }
            });
            out.writeInt(entries.size());
            for (Map.Entry<String, Object> e : entries.entrySet()) {
                out.writeUTF(e.getKey());
                if (e.getValue() instanceof NDArray array) {
                    out.writeByte(0);
                    writeTensor(out, array);
                } else {
                    out.writeByte(1);
                    out.writeLong((Long) e.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeTensor(DataOutputStream out, NDArray array) throws IOException {
        out.writeUTF(array.getDataType().name());
        long[] shape = array.getShape().getShape();
        out.writeInt(shape.length);
        for (long d : shape) {
            out.writeLong(d);
        }
        ByteBuffer data = array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] raw = new byte[data.remaining()];
        data.get(raw);
        out.writeInt(raw.length);
        out.write(raw);
    }

    /** Header fields, readable without a trainer (for tools and error messages). */
    public record Header(int formatVersion, String method, String encoder, int channels, int size) {}

    public static Header header(byte[] state) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            return readHeader(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an Oxbow trainer state: " + e.getMessage(), e);
        }
    }

    private static Header readHeader(DataInputStream in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not an Oxbow trainer state (magic " + Integer.toHexString(magic) + ")");
        }
        int version = in.readInt();
        if (version > FORMAT_VERSION) {
            throw new IllegalArgumentException("trainer state format " + version
                    + " is newer than this Oxbow reads (" + FORMAT_VERSION + "): upgrade Oxbow to restore it");
        }
        return new Header(version, in.readUTF(), in.readUTF(), in.readInt(), in.readInt());
    }

    static void decode(byte[] state, SslTrainer trainer) {
        Map<String, Object> entries = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            Header h = readHeader(in);
            TrainerConfig c = trainer.config();
            Header expected = new Header(h.formatVersion(), c.method(), c.encoder(), c.channels(), c.size());
            if (!h.equals(expected)) {
                throw new IllegalArgumentException("trainer state is for " + h + " but this trainer is " + expected);
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                entries.put(name, in.readByte() == 0 ? readTensor(in) : (Object) in.readLong());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt trainer state: " + e.getMessage(), e);
        }
        checkNames(entries, trainer);
        try (NDManager scratch = trainer.method().backbone().parameters().get(0).getValue()
                .getArray().getManager().newSubManager()) {
            trainer.visit(new StateVisitor() {
                @Override
                public void tensor(String name, NDArray live) {
                    StoredTensor stored = (StoredTensor) entries.get(name);
                    if (!stored.shape.equals(live.getShape()) || stored.dataType != live.getDataType()) {
                        throw new IllegalArgumentException("state entry " + name + " is " + stored.dataType
                                + stored.shape + ", the trainer has " + live.getDataType() + live.getShape());
                    }
                    ByteBuffer buffer = ByteBuffer.allocateDirect(stored.raw.length).order(ByteOrder.nativeOrder());
                    buffer.put(ByteBuffer.wrap(stored.raw).order(ByteOrder.LITTLE_ENDIAN)).flip();
                    scratch.create(buffer, stored.shape, stored.dataType).copyTo(live);
                }

                @Override
                public long scalar(String name, long value) {
                    return (Long) entries.get(name);
                }
            });
        }
    }

    /** Refuses before touching any live array if the stored entries do not match the trainer's. */
    private static void checkNames(Map<String, Object> entries, SslTrainer trainer) {
        Map<String, Boolean> live = new LinkedHashMap<>();
        trainer.visit(new StateVisitor() {
            @Override
            public void tensor(String name, NDArray array) {
                live.put(name, true);
            }

            @Override
            public long scalar(String name, long value) {
                live.put(name, false);
                return value;
            }
        });
        for (Map.Entry<String, Boolean> e : live.entrySet()) {
            Object stored = entries.get(e.getKey());
            if (stored == null || (stored instanceof StoredTensor) != e.getValue()) {
                throw new IllegalArgumentException("trainer state lacks entry " + e.getKey());
            }
        }
        for (String name : entries.keySet()) {
            if (!live.containsKey(name)) {
                throw new IllegalArgumentException("trainer state has unknown entry " + name);
            }
        }
    }

    private record StoredTensor(DataType dataType, Shape shape, byte[] raw) {}

    private static StoredTensor readTensor(DataInputStream in) throws IOException {
        DataType type = DataType.valueOf(in.readUTF());
        long[] shape = new long[in.readInt()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = in.readLong();
        }
        byte[] raw = new byte[in.readInt()];
        in.readFully(raw);
        return new StoredTensor(type, new Shape(shape), raw);
    }
}
