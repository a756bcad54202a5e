package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.nd.Network;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One published version of the encoder: what the embedders receive by broadcast, what the model
 * registry stores and what `export` converts. Everything needed to embed an image is here:
 * architecture name, input shape, normalisation and every parameter (BatchNorm running
 * statistics included), named as in DJL's block tree.
 *
 * <pre>
 * int magic 0x4F584245 ("OXBE"), int format version (1)
 * long version, UTF method, UTF encoder, int channels, int size, float[channels] mean, float[channels] std
 * int tensor count, then per tensor: UTF name, int rank, long[rank] shape, int length, float[length]
 * </pre>
 *
 * @param version the trainer step at which it was published
 */
public record EncoderSnapshot(long version, String method, String encoder, int channels, int size,
                              float[] mean, float[] std, List<Tensor> tensors) {
    public static final int MAGIC = 0x4F584245;
    public static final int FORMAT_VERSION = 1;

    /** A named float tensor, row-major. */
    public record Tensor(String name, long[] shape, float[] data) {}

    /** Copies a network's arrays; names drop the network's own prefix. */
    public static EncoderSnapshot of(long version, TrainerConfig config, Network encoder) {
        List<Tensor> tensors = new ArrayList<>();
        for (Pair<String, Parameter> p : encoder.parameters()) {
            NDArray a = p.getValue().getArray();
            tensors.add(new Tensor(p.getKey().substring(encoder.name().length() + 1), a.getShape().getShape(),
                    a.toFloatArray()));
        }
        return new EncoderSnapshot(version, config.method(), config.encoder(), config.channels(), config.size(),
                config.mean().clone(), config.std().clone(), List.copyOf(tensors));
    }

    /** Overwrites a network of the same architecture with these parameters. */
    public void loadInto(Network encoder) {
        List<Pair<String, Parameter>> params = encoder.parameters();
        if (params.size() != tensors.size()) {
            throw new IllegalArgumentException("snapshot has " + tensors.size() + " tensors, the " + encoder
                    + " encoder has " + params.size());
        }
        for (int i = 0; i < params.size(); i++) {
            NDArray live = params.get(i).getValue().getArray();
            Tensor t = tensors.get(i);
            if (!Arrays.equals(t.shape, live.getShape().getShape())) {
                throw new IllegalArgumentException("snapshot tensor " + t.name + " has shape " + Arrays.toString(t.shape)
                        + ", the encoder's is " + live.getShape());
            }
            live.set(t.data);
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeLong(version);
            out.writeUTF(method);
            out.writeUTF(encoder);
            out.writeInt(channels);
            out.writeInt(size);
            writeFloats(out, mean);
            writeFloats(out, std);
            out.writeInt(tensors.size());
            for (Tensor t : tensors) {
                out.writeUTF(t.name);
                out.writeInt(t.shape.length);
                for (long d : t.shape) {
                    out.writeLong(d);
                }
                writeFloats(out, t.data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static EncoderSnapshot decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not an Oxbow encoder snapshot (magic " + Integer.toHexString(magic) + ")");
            }
            int format = in.readInt();
            if (format > FORMAT_VERSION) {
                throw new IllegalArgumentException("encoder snapshot format " + format + " is newer than this Oxbow reads ("
                        + FORMAT_VERSION + "): upgrade Oxbow");
            }
            long version = in.readLong();
            String method = in.readUTF();
            String encoder = in.readUTF();
            int channels = in.readInt();
            int size = in.readInt();
            float[] mean = readFloats(in);
            float[] std = readFloats(in);
            int count = in.readInt();
            List<Tensor> tensors = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                tensors.add(new Tensor(name, shape, readFloats(in)));
            }
            return new EncoderSnapshot(version, method, encoder, channels, size, mean, std, List.copyOf(tensors));
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt encoder snapshot: " + e.getMessage(), e);
        }
    }

    public int pixelsPerImage() {
        return channels * size * size;
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        for (float v : values) {
            out.writeFloat(v);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        float[] values = new float[in.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readFloat();
        }
        return values;
    }
}
