package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.state.BlobReader;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.StateFrame;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The versioned binary format of trainer state (Flink keeps it as one opaque blob). Format 2
 * is a {@link StateFrame}: magic 0x4F58424F ("OXBO"), version, the trainer's {@link
 * SslTrainer#fingerprint} and the CRC-32C of this body:
 *
 * <pre>
 * int   entry count, then per entry: UTF name, byte kind (0 tensor, 1 scalar) and
 *       tensor: UTF dtype, int rank, long[rank] shape, int length, raw little-endian bytes
 *       scalar: long value (floats as their raw IEEE-754 bits)
 * </pre>
 *
 * Format 1 (read, no longer written) had no fingerprint or checksum: magic, version, UTF method,
 * UTF encoder, int channels, int size, then the same entries.
 *
 * <p>Decoding checks, in this order and before it writes anything: magic and version, checksum,
 * fingerprint (every field outside {@link #MAY_CHANGE}), every length against the bytes present,
 * then every entry's name, kind, data type and shape against the trainer's. A refusal names what
 * differs; a trainer is either restored whole or left untouched.
 */
public final class StateCodec {
    public static final int MAGIC = 0x4F58424F;
    public static final int FORMAT_VERSION = 2;
    /** Fingerprint fields a restore may change: the schedule, and the seed (it only drew the initial weights). */
    public static final Set<String> MAY_CHANGE = Set.of("learning_rate", "warmup_steps", "horizon_steps", "cosine",
            "seed");
    private static final String WHAT = "trainer state";

    private StateCodec() {}

    static byte[] encode(SslTrainer trainer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
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
        return StateFrame.write(MAGIC, FORMAT_VERSION, trainer.fingerprint(), bytes.toByteArray());
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
            try (BlobReader in = new BlobReader(state, 8, state.length - 8, WHAT)) {
                return formatOneHeader(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("corrupt trainer state: " + e, e);
            }
        }
        Map<String, String> f = StateFrame.read(state, MAGIC, FORMAT_VERSION, WHAT).fingerprint().fields();
        try {
            return new Header(version, f.get("method"), f.get("encoder"), Integer.parseInt(f.get("channels")),
                    Integer.parseInt(f.get("size")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("corrupt trainer state: header " + f, e);
        }
    }

    /** Format 1's header fields, after magic and version. */
    private static Header formatOneHeader(BlobReader in) throws IOException {
        return new Header(1, in.readUTF(), in.readUTF(), in.readInt(), in.readInt());
    }

    /**
     * The configuration a framed (format 2) trainer state was written with, rebuilt from its
     * fingerprint, so tools can restore it without being told how the run was configured.
     */
    public static TrainerConfig config(byte[] state) {
        Map<String, String> f = StateFrame.read(state, MAGIC, FORMAT_VERSION, WHAT).fingerprint().fields();
        HashMap<String, String> options = new HashMap<>();
        f.forEach((k, v) -> {
            if (k.startsWith("method.")) {
                options.put(k.substring("method.".length()), v);
            }
        });
        try {
            TrainerConfig.Builder b = TrainerConfig.defaults(f.get("method"), f.get("encoder"),
                    Integer.parseInt(f.get("channels")), Integer.parseInt(f.get("size")), 64).toBuilder();
            b.globalViews = Integer.parseInt(f.get("global_views"));
            b.seed = Long.parseLong(f.get("seed"));
            b.optimizer = f.get("optimizer");
            b.learningRate = Float.parseFloat(f.get("learning_rate"));
            b.momentum = Float.parseFloat(f.get("momentum"));
            b.weightDecay = Float.parseFloat(f.get("weight_decay"));
            b.warmupSteps = Long.parseLong(f.get("warmup_steps"));
            b.horizonSteps = Long.parseLong(f.get("horizon_steps"));
            b.cosine = Boolean.parseBoolean(f.get("cosine"));
            b.mean = Fingerprint.floats(f.get("mean"));
            b.std = Fingerprint.floats(f.get("std"));
            b.methodOptions = options;
            b.scanClusters = f.containsKey("scan_clusters") ? Integer.parseInt(f.get("scan_clusters")) : 0;
            b.scanSelfLabel = Boolean.parseBoolean(f.get("scan_self_label"));
            return b.build();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("corrupt trainer state: its header does not describe a trainer: " + f, e);
        }
    }

    /** @return the {@link #MAY_CHANGE} fields that differ from the stored ones */
    static Set<String> decode(byte[] state, SslTrainer trainer) {
        Set<String> changed = new TreeSet<>();
        Map<String, Object> entries;
        try {
            entries = readEntries(state, trainer, changed);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt trainer state: " + e, e);
        }
        checkEntries(entries, trainer);
        try (NDManager scratch = trainer.method().backbone().parameters().get(0).getValue()
                .getArray().getManager().newSubManager()) {
            trainer.visit(new StateVisitor() {
                @Override
                public void tensor(String name, NDArray live) {
                    StoredTensor stored = (StoredTensor) entries.get(name);
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
        return changed;
    }

    /** Every entry of a blob, after its version, checksum and fingerprint were accepted. */
    private static Map<String, Object> readEntries(byte[] state, SslTrainer trainer, Set<String> changed)
            throws IOException {
        int version = StateFrame.version(state, MAGIC, FORMAT_VERSION, WHAT);
        BlobReader in;
        if (version == 1) {
            in = new BlobReader(state, 8, state.length - 8, WHAT);
            TrainerConfig c = trainer.config();
            Header h = formatOneHeader(in);
            Header expected = new Header(1, c.method(), c.encoder(), c.channels(), c.size());
            if (!h.equals(expected)) {
                throw new IllegalArgumentException("trainer state is for " + h + " but this trainer is " + expected);
            }
        } else {
            StateFrame.Frame frame = StateFrame.read(state, MAGIC, FORMAT_VERSION, WHAT);
            changed.addAll(trainer.fingerprint().accept(frame.fingerprint(), MAY_CHANGE, WHAT));
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
            entries.putIfAbsent("published/lineage", 0L); // format 2 added it: a format-1 state never forked
        }
        return entries;
    }

    /** Refuses, before any live array is touched, entries that do not match the trainer's by name, kind, type and shape. */
    private static void checkEntries(Map<String, Object> entries, SslTrainer trainer) {
        Map<String, Object> live = new LinkedHashMap<>();
        trainer.visit(new StateVisitor() {
            @Override
            public void tensor(String name, NDArray array) {
                live.put(name, array);
            }

            @Override
            public long scalar(String name, long value) {
                live.put(name, value);
                return value;
            }
        });
        for (Map.Entry<String, Object> e : live.entrySet()) {
            Object stored = entries.get(e.getKey());
            if (stored == null || (stored instanceof StoredTensor) != (e.getValue() instanceof NDArray)) {
                throw new IllegalArgumentException("trainer state lacks entry " + e.getKey());
            }
            if (stored instanceof StoredTensor t && e.getValue() instanceof NDArray array
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
