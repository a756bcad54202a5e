package ai.oxbow.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.oxbow.model.cluster.ClusterHead;
import ai.oxbow.model.method.MethodSetup;
import ai.oxbow.model.nn.Network;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.EncoderCodec;
import ai.oxbow.model.state.Fingerprint;
import ai.oxbow.model.state.Tensor;
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
 * <p>Its bytes are {@link EncoderCodec}'s format.
 *
 * @param version the trainer step at which it was published
 */
public record EncoderSnapshot(
        long version,
        String method,
        String encoder,
        int channels,
        int size,
        float[] mean,
        float[] std,
        List<Tensor> tensors) {
    /**
     * Version 0, the untrained encoder a fresh trainer publishes: the backbone drawn from the
     * seed on the CPU, whatever device trains. Anyone with the configuration builds the same one,
     * so the embedders start with it and images never wait for the trainer's first version.
     */
    public static EncoderSnapshot initial(TrainerConfig config) {
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Network backbone = Network.seeded(
                    config.seed(),
                    () -> new MethodSetup(
                                    cpu,
                                    config.encoder(),
                                    config.channels(),
                                    config.size(),
                                    config.globalViews(),
                                    config.seed(),
                                    config.options())
                            .backbone("published"));
            return of(0, config, backbone);
        }
    }

    /** Copies a network's arrays; names drop the network's own prefix. */
    public static EncoderSnapshot of(long version, TrainerConfig config, Network encoder) {
        List<Tensor> tensors = new ArrayList<>();
        for (Pair<String, Parameter> p : encoder.parameters()) {
            NDArray a = p.getValue().getArray();
            tensors.add(new Tensor(
                    p.getKey().substring(encoder.name().length() + 1),
                    a.getShape().getShape(),
                    a.toFloatArray()));
        }
        return new EncoderSnapshot(
                version,
                config.method(),
                config.encoder(),
                config.channels(),
                config.size(),
                config.mean().clone(),
                config.std().clone(),
                List.copyOf(tensors));
    }

    /** The same snapshot with a clustering head's tensors ({@link ClusterHead#PREFIX}) after the encoder's. */
    public EncoderSnapshot withClusterHead(List<Tensor> head) {
        List<Tensor> all = new ArrayList<>(encoderTensors());
        all.addAll(head);
        return new EncoderSnapshot(version, method, encoder, channels, size, mean, std, List.copyOf(all));
    }

    /** The encoder's tensors, without a clustering head's. */
    public List<Tensor> encoderTensors() {
        return tensors.stream()
                .filter(t -> !t.name().startsWith(ClusterHead.PREFIX))
                .toList();
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
            throw new IllegalArgumentException(
                    "snapshot has " + tensors.size() + " tensors, the " + encoder + " encoder has " + params.size());
        }
        for (int i = 0; i < params.size(); i++) {
            long[] live = params.get(i).getValue().getArray().getShape().getShape();
            Tensor t = tensors.get(i);
            if (!Arrays.equals(t.shape(), live)
                    || t.data().length != Arrays.stream(live).reduce(1, (x, y) -> x * y)) {
                throw new IllegalArgumentException("snapshot tensor " + t.name() + " has shape "
                        + Arrays.toString(t.shape()) + ", the encoder's is " + Arrays.toString(live));
            }
        }
        for (int i = 0; i < params.size(); i++) {
            params.get(i).getValue().getArray().set(tensors.get(i).data());
        }
    }

    /** This version as bytes ({@link EncoderCodec}). */
    public byte[] encode() {
        return EncoderCodec.encode(fingerprint(), tensors);
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

    /** Decodes any format {@link EncoderCodec} reads. */
    public static EncoderSnapshot decode(byte[] bytes) {
        EncoderCodec.Decoded d = EncoderCodec.decode(bytes);
        Map<String, String> f = d.header().fields();
        try {
            return new EncoderSnapshot(
                    Long.parseLong(f.get("version")),
                    f.get("method"),
                    f.get("encoder"),
                    Integer.parseInt(f.get("channels")),
                    Integer.parseInt(f.get("size")),
                    Fingerprint.floats(f.get("mean")),
                    Fingerprint.floats(f.get("std")),
                    d.tensors());
        } catch (NumberFormatException | NullPointerException | IndexOutOfBoundsException e) {
            throw new CorruptStateException("corrupt encoder snapshot: header " + f, e);
        }
    }

    public int pixelsPerImage() {
        return channels * size * size;
    }
}
