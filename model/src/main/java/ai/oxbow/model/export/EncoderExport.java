package ai.oxbow.model.export;

import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.export.Layer.TensorSlot;
import ai.oxbow.model.state.Tensor;
import ai.oxbow.model.train.EncoderSnapshot;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exports an encoder version in a form that needs neither Oxbow nor DJL (docs/export.md):
 * {@code encoder.safetensors} (weights and BatchNorm running statistics under PyTorch
 * state_dict names), {@code encoder.json} (architecture, input normalisation, model version) and
 * {@code oxbow_encoder.py}, a plain-PyTorch reference loader.
 */
public final class EncoderExport {
    public static final String WEIGHTS = "encoder.safetensors";
    public static final String DESCRIPTION = "encoder.json";
    public static final String LOADER = "oxbow_encoder.py";
    public static final int FORMAT_VERSION = 1;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private EncoderExport() {}

    /**
     * Writes the three files into outDir (created if needed), the same bytes for the same
     * snapshot, and returns their paths.
     */
    public static List<Path> write(EncoderSnapshot s, Path outDir) {
        List<Layer> layers = Architectures.layers(s.encoder(), s.channels(), s.size());
        Map<String, Tensor> tensors = torchNames(s, Layer.tensors(layers, ""));
        try {
            Files.createDirectories(outDir);
            SafeTensors.write(
                    outDir.resolve(WEIGHTS),
                    tensors,
                    new TreeMap<>(Map.of(
                            "version", String.valueOf(s.version()), "method", s.method(), "encoder", s.encoder())));
            Files.writeString(outDir.resolve(DESCRIPTION), GSON.toJson(description(s, layers)) + "\n");
            try (InputStream loader = EncoderExport.class.getResourceAsStream(LOADER)) {
                Files.copy(loader, outDir.resolve(LOADER), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of(outDir.resolve(WEIGHTS), outDir.resolve(DESCRIPTION), outDir.resolve(LOADER));
    }

    /**
     * Pairs the snapshot's tensors (DJL block order) with the PyTorch names of the same
     * positions, refusing any tensor whose kind or shape does not fit.
     */
    private static Map<String, Tensor> torchNames(EncoderSnapshot s, List<TensorSlot> slots) {
        List<Tensor> tensors = s.encoderTensors();
        if (slots.size() != tensors.size()) {
            throw new IllegalArgumentException("the " + s.encoder() + " snapshot has " + tensors.size()
                    + " tensors, its export expects " + slots.size());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            Tensor t = tensors.get(i);
            TensorSlot slot = slots.get(i);
            if (!t.name().endsWith(slot.djlSuffix()) || !Arrays.equals(t.shape(), slot.shape())) {
                throw new IllegalArgumentException("snapshot tensor " + t.name() + " " + Arrays.toString(t.shape())
                        + " does not fit " + slot.name() + " " + Arrays.toString(slot.shape()));
            }
            out.put(slot.name(), t);
        }
        return out;
    }

    private static Map<String, Object> description(EncoderSnapshot s, List<Layer> layers) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("layout", "NCHW");
        input.put("channels", s.channels());
        input.put("size", s.size());
        input.put("range", List.of(0, 1));
        input.put("mean", s.mean());
        input.put("std", s.std());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("format", "oxbow-encoder");
        d.put("format_version", FORMAT_VERSION);
        d.put("encoder", s.encoder());
        d.put("model", new TreeMap<>(Map.of("version", s.version(), "method", s.method())));
        d.put("input", input);
        d.put("output", Map.of("dim", Encoders.dim(s.encoder())));
        d.put("weights", WEIGHTS);
        d.put("layers", Layer.json(layers));
        return d;
    }
}
