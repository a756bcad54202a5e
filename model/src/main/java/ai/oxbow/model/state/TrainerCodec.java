package ai.oxbow.model.state;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.state.legacy.OlderFormats;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The versioned binary format of trainer state (Flink keeps it as one opaque blob). Format 2
 * is a {@link StateFrame}: magic 0x4F58424F ("OXBO"), version, the trainer's fingerprint and the
 * CRC-32C of this body:
 *
 * <pre>
 * int   entry count, then per entry: UTF name, byte kind (0 tensor, 1 scalar) and
 *       tensor: UTF dtype, int rank, long[rank] shape, int length, raw little-endian bytes
 *       scalar: long value (floats as their raw IEEE-754 bits)
 * </pre>
 *
 * Format 1 ({@link OlderFormats}) had no fingerprint or checksum: magic, version, UTF method, UTF
 * encoder, int channels, int size, then the same entries.
 *
 * <p>The entries are whatever the trainer's walk ({@link StateVisitor}) visits, in its order.
 * Decoding checks, in this order and before it writes anything: magic and version, checksum,
 * fingerprint (every field outside {@link #MAY_CHANGE}), every length against the bytes present,
 * then every entry's name, kind, data type and shape against the trainer's. A refusal names what
 * differs; a trainer is either restored whole or left untouched.
 */
public final class TrainerCodec {
    public static final int MAGIC = 0x4F58424F;
    public static final int FORMAT_VERSION = 2;
    /** Fingerprint fields a restore may change: the schedule, and the seed (it only drew the initial weights). */
    public static final Set<String> MAY_CHANGE =
            Set.of("learning_rate", "warmup_steps", "horizon_steps", "cosine", "seed");

    private static final String WHAT = "trainer state";

    private TrainerCodec() {}

    /** @param walk visits every piece of the trainer's state, in a fixed order */
    public static byte[] encode(Fingerprint fingerprint, Consumer<StateVisitor> walk) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Map<String, Object> entries = live(walk);
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
        return StateFrame.write(MAGIC, FORMAT_VERSION, fingerprint, bytes.toByteArray());
    }

    /** The live values the walk visits, by name: arrays and scalars. */
    private static Map<String, Object> live(Consumer<StateVisitor> walk) {
        Map<String, Object> entries = new LinkedHashMap<>();
        walk.accept(new StateVisitor() {
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
        return entries;
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
        int version = StateFrame.version(state, MAGIC, FORMAT_VERSION, WHAT);
        if (version == 1) {
            try (BlobReader in = OlderFormats.body(state, WHAT)) {
                return OlderFormats.trainerHeader(in);
            } catch (IOException e) {
                throw new CorruptStateException("corrupt trainer state: " + e, e);
            }
        }
        return header(version, fingerprint(state));
    }

    private static Header header(int version, Fingerprint fingerprint) {
        Map<String, String> f = fingerprint.fields();
        try {
            return new Header(
                    version,
                    f.get("method"),
                    f.get("encoder"),
                    Integer.parseInt(f.get("channels")),
                    Integer.parseInt(f.get("size")));
        } catch (NumberFormatException e) {
            throw new CorruptStateException("corrupt trainer state: header " + f, e);
        }
    }

    /** The fingerprint of a framed (format 2) trainer state: the configuration it was written with. */
    public static Fingerprint fingerprint(byte[] state) {
        return StateFrame.read(state, MAGIC, FORMAT_VERSION, WHAT).fingerprint();
    }

    /** What a decode found: the blob's format and the {@link #MAY_CHANGE} fields that differ from the stored ones. */
    public record Decoded(int format, Set<String> changed) {}

    /**
     * Overwrites, through the walk, the live state of a trainer with this fingerprint, allocating
     * the stored arrays in a sub-manager of {@code manager} while they are copied.
     */
    public static Decoded decode(byte[] state, Fingerprint live, Consumer<StateVisitor> walk, NDManager manager) {
        int version = StateFrame.version(state, MAGIC, FORMAT_VERSION, WHAT);
        Set<String> changed = new TreeSet<>();
        Map<String, Object> entries;
        try {
            entries = readEntries(state, version, live, changed);
        } catch (IOException e) {
            throw new CorruptStateException("corrupt trainer state: " + e, e);
        }
        checkEntries(entries, live(walk));
        try (NDManager scratch = manager.newSubManager()) {
            walk.accept(new StateVisitor() {
                @Override
                public void tensor(String name, NDArray live) {
                    StoredTensor stored = (StoredTensor) entries.get(name);
                    ByteBuffer buffer =
                            ByteBuffer.allocateDirect(stored.raw.length).order(ByteOrder.nativeOrder());
                    buffer.put(ByteBuffer.wrap(stored.raw).order(ByteOrder.LITTLE_ENDIAN))
                            .flip();
                    scratch.create(buffer, stored.shape, stored.dataType).copyTo(live);
                }

                @Override
                public long scalar(String name, long value) {
                    return (Long) entries.get(name);
                }
            });
        }
        return new Decoded(version, changed);
    }

    /** Every entry of a blob, after its version, checksum and fingerprint were accepted. */
    private static Map<String, Object> readEntries(byte[] state, int version, Fingerprint live, Set<String> changed)
            throws IOException {
        BlobReader in;
        if (version == 1) {
            in = OlderFormats.body(state, WHAT);
            Header h = OlderFormats.trainerHeader(in);
            Header expected = header(1, live);
            if (!h.equals(expected)) {
                throw new IllegalArgumentException("trainer state is for " + h + " but this trainer is " + expected);
            }
        } else {
            StateFrame.Frame frame = StateFrame.read(state, MAGIC, FORMAT_VERSION, WHAT);
            changed.addAll(live.accept(frame.fingerprint(), MAY_CHANGE, WHAT));
            in = frame.body();
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        int count = in.count("entry count", 11);
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            byte kind = in.readByte();
            if (kind != 0 && kind != 1) {
                throw in.corrupt("entry " + name + " has kind " + kind);
            }
            if (entries.put(name, kind == 0 ? readTensor(in, name) : (Object) in.readLong()) != null) {
                throw in.corrupt("entry " + name + " appears twice");
            }
        }
        in.end();
        if (version == 1) {
            OlderFormats.TRAINER_V1_IMPLIED.forEach(entries::putIfAbsent);
        }
        return entries;
    }

    /**
     * Refuses, before any live array is touched, entries that do not match the trainer's by name,
     * kind, type and shape: the only sign, in a format-1 state, of options that size a buffer.
     */
    private static void checkEntries(Map<String, Object> entries, Map<String, Object> live) {
        for (Map.Entry<String, Object> e : live.entrySet()) {
            Object stored = entries.get(e.getKey());
            if (stored == null || (stored instanceof StoredTensor) != (e.getValue() instanceof NDArray)) {
                throw new IllegalArgumentException("trainer state lacks entry " + e.getKey());
            }
            if (stored instanceof StoredTensor t
                    && e.getValue() instanceof NDArray array
                    && (!t.shape.equals(array.getShape()) || t.dataType != array.getDataType())) {
                throw new IllegalArgumentException("state entry " + e.getKey() + " is " + t.dataType + t.shape
                        + ", the trainer has " + array.getDataType() + array.getShape());
            }
        }
        for (String name : entries.keySet()) {
            if (!live.containsKey(name)) {
                throw new IllegalArgumentException("trainer state has unknown entry " + name);
            }
        }
    }

    private record StoredTensor(DataType dataType, Shape shape, byte[] raw) {}

    private static StoredTensor readTensor(BlobReader in, String name) throws IOException {
        String typeName = in.readUTF();
        DataType type;
        try {
            type = DataType.valueOf(typeName);
        } catch (IllegalArgumentException e) {
            throw in.corrupt("entry " + name + " has data type " + typeName);
        }
        long[] shape = new long[in.count("rank of " + name, Long.BYTES)];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = in.readLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                elements = -1;
            }
            if (shape[i] < 0 || elements < 0) {
                throw in.corrupt("entry " + name + " has dimension " + shape[i]);
            }
        }
        byte[] raw = in.bytes("entry " + name);
        if (raw.length != elements * type.getNumOfBytes()) {
            throw in.corrupt("entry " + name + " has " + raw.length + " bytes for " + type + new Shape(shape));
        }
        return new StoredTensor(type, new Shape(shape), raw);
    }
}
