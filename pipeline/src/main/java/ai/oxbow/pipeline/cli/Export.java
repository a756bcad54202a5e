package ai.oxbow.pipeline.cli;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.export.EncoderExport;
import ai.oxbow.model.state.TrainerCodec;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;

import com.google.gson.Gson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `export`: one encoder version as encoder.safetensors, encoder.json and a plain-PyTorch loader
 * (docs/export.md), either from a model registry ({@code --models DIR [--version V]}, newest by
 * default) or from a trainer state file ({@code --state final-state.bin}: its published encoder).
 */
public final class Export {
    private Export() {}

    static final List<Option> OPTIONS = List.of(
            Option.string("models", null, "model registry directory (or --state)").computed("none"),
            Option.string("version", null, "the version to export").computed("the newest"),
            Option.string("state", null, "a trainer state file (final-state.bin) instead of --models").computed("none"),
            Option.string("method-options", "", "the method options the state was trained with"),
            Option.string("out", null, "output directory").computed("required"));

    public static void run(Args a) {
        String models = a.get("models");
        String state = a.get("state");
        String version = a.get("version");
        String methodOptions = a.get("method-options");
        String out = a.get("out");
        if ((models == null) == (state == null) || out == null) {
            throw new IllegalArgumentException("usage: oxbow export {--models DIR [--version V] | --state FILE "
                    + "[--method-options k=v,...]} --out DIR");
        }
        if (state != null && version != null) {
            throw new IllegalArgumentException("--version selects from --models; a state file has one published version");
        }
        EncoderSnapshot snapshot = models != null
                ? fromRegistry(new ModelRegistry(Path.of(models)), version)
                : fromState(Path.of(state), Recipe.parseOptions(methodOptions));
        List<Path> files = EncoderExport.write(snapshot, Path.of(out));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("exported_version", snapshot.version());
        summary.put("encoder", snapshot.encoder());
        summary.put("out", out);
        summary.put("files", files.stream().map(f -> f.getFileName().toString()).toList());
        System.out.println(new Gson().toJson(summary));
    }

    private static EncoderSnapshot fromRegistry(ModelRegistry registry, String version) {
        return version == null ? registry.latest() : registry.load(Long.parseLong(version));
    }

    /**
     * Restores a trainer from the state and takes its published encoder. A state of format 2 says
     * how its trainer was configured; one of format 1 holds no learning settings and no
     * normalisation: export uses neither the former, and the latter is {@link TrainerConfig#defaults}',
     * which every command trains with, and method options that size buffers (queue_size, ...) must
     * be given as in the run, or the restore refuses.
     */
    private static EncoderSnapshot fromState(Path file, Map<String, String> methodOptions) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TrainerCodec.Header h = TrainerCodec.header(bytes);
        // Format 2 records the whole configuration; format 1 only method, encoder and shape.
        TrainerConfig config = h.formatVersion() >= 2 ? TrainerConfig.ofState(bytes)
                : TrainerConfig.defaults(h.method(), h.encoder(), h.channels(), h.size(), 64).withOptions(methodOptions);
        try (SslTrainer trainer = new SslTrainer(config)) {
            trainer.restore(bytes);
            return trainer.publishedSnapshot();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (give --method-options as the run did)", e);
        }
    }
}
