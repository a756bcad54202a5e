package ai.oxbow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.cluster.ClusterHead;
import ai.oxbow.model.nd.Network;
import ai.oxbow.model.state.BlobReader;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.StateFrame;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One published version of the encoder: what the embedders receive by broadcast, what the model
 * registry stores and what `export` converts. Everything needed to embed an image is here:
 * architecture name, input shape, normalisation and every parameter (BatchNorm running
 * statistics included), named as in DJL's block tree.
 *
 * <p>A snapshot of a trainer with SCAN on also carries its published clustering head, as tensors
 * named {@link ClusterHead#PREFIX}weight and bias after the encoder's ({@link #clusterHead}).
 *
 * <p>Format 3 (2 with the optional head; a format-2 reader refuses it by number rather than
 * misread it) and format 2 are a {@link StateFrame}: magic 0x4F584245 ("OXBE"), version, a fingerprint of the
 * fields version, method, encoder, channels, size, mean and std, and the CRC-32C of the body:
 * <pre>
 * int tensor count, then per tensor: UTF name, int rank, long[rank] shape, int length, float[length]
 * </pre>
 * Format 1 (read, no longer written) had no checksum: after magic and version, long version, UTF
 * method, UTF encoder, int channels, int size, float[channels] mean, float[channels] std (each
 * length-prefixed), then the same tensors.
 *
 * @param version the trainer step at which it was published
 */
public record EncoderSnapshot(long version, String method, String encoder, int channels, int size,
                              float[] mean, float[] std, List<Tensor> tensors) {
    public static final int MAGIC = 0x4F584245;
    public static final int FORMAT_VERSION = 3;
    private static final String WHAT = "encoder snapshot";

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

    /** The same snapshot with a clustering head's tensors ({@link ClusterHead#PREFIX}) after the encoder's. */
    public EncoderSnapshot withClusterHead(List<Tensor> head) {
        List<Tensor> all = new ArrayList<>(encoderTensors());
        all.addAll(head);
        return new EncoderSnapshot(version, method, encoder, channels, size, mean, std, List.copyOf(all));
    }

    /** The encoder's tensors, without a clustering head's. */
    public List<Tensor> encoderTensors() {
        return tensors.stream().filter(t -> !t.name().startsWith(ClusterHead.PREFIX)).toList();
    }

    /** The published SCAN clustering head, or null if the trainer had none. */
    public ClusterHead clusterHead() {
        return ClusterHead.of(tensors);
    }

    /** Overwrites a network of the same architecture with these parameters; checks every shape first. */
    public void loadInto(Network encoder) {
        List<Pair<String, Parameter>> params = encoder.parameters();
        List<Tensor> tensors = encoderTensors();
        if (params.size() != tensors.size()) {
            throw new IllegalArgumentException("snapshot has " + tensors.size() + " tensors, the " + encoder
                    + " encoder has " + params.size());
        }
        for (int i = 0; i < params.size(); i++) {
            long[] live = params.get(i).getValue().getArray().getShape().getShape();
            Tensor t = tensors.get(i);
            if (!Arrays.equals(t.shape, live) || t.data.length != Arrays.stream(live).reduce(1, (x, y) -> x * y)) {
                throw new IllegalArgumentException("snapshot tensor " + t.name + " has shape " + Arrays.toString(t.shape)
                        + ", the encoder's is " + Arrays.toString(live));
            }
        }
        for (int i = 0; i < params.size(); i++) {
            params.get(i).getValue().getArray().set(tensors.get(i).data);
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
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
        return StateFrame.write(MAGIC, FORMAT_VERSION, fingerprint(), bytes.toByteArray());
    }

    /** The header fields, as the frame's fingerprint. */
    public Fingerprint fingerprint() {
        TreeMap<String, String> f = new TreeMap<>();
        f.put("version", String.valueOf(version));
        f.put("method", method);
        f.put("encoder", encoder);
        f.put("channels", String.valueOf(channels));
        f.put("size", String.valueOf(size));
        f.put("mean", Fingerprint.floats(mean));
        f.put("std", Fingerprint.floats(std));
        return Fingerprint.of(f);
    }

    /** Decodes format 2 (checksum verified) or 1; every length is checked against the bytes present. */
    public static EncoderSnapshot decode(byte[] bytes) {
        int format = StateFrame.version(bytes, MAGIC, FORMAT_VERSION, WHAT);
        BlobReader in = format == 1 ? new BlobReader(bytes, 8, bytes.length - 8, WHAT) : null;
        try {
            EncoderSnapshot header;
            if (format == 1) {
                header = new EncoderSnapshot(in.readLong(), in.readUTF(), in.readUTF(), in.readInt(), in.readInt(),
                        in.floats("mean"), in.floats("std"), List.of());
            } else {
                StateFrame.Frame frame = StateFrame.read(bytes, MAGIC, FORMAT_VERSION, WHAT);
                Map<String, String> f = frame.fingerprint().fields();
                in = frame.body();
                header = new EncoderSnapshot(Long.parseLong(f.get("version")), f.get("method"), f.get("encoder"),
                        Integer.parseInt(f.get("channels")), Integer.parseInt(f.get("size")),
                        Fingerprint.floats(f.get("mean")), Fingerprint.floats(f.get("std")), List.of());
            }
            int count = in.count("tensor count", 2 + 4 + 4);
            List<Tensor> tensors = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.count("rank of " + name, Long.BYTES)];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                tensors.add(new Tensor(name, shape, in.floats("tensor " + name)));
            }
            in.end();
            return new EncoderSnapshot(header.version, header.method, header.encoder, header.channels, header.size,
                    header.mean, header.std, List.copyOf(tensors));
        } catch (IOException | NumberFormatException | NullPointerException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt encoder snapshot: " + e, e);
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
}
