package ai.oxbow.pipeline.cli;

import ai.oxbow.model.export.EncoderExport;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.TrainerCodec;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.util.KeyValues;
import com.google.gson.Gson;
import java.io.IOException;
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

    static final Option<String> MODELS = Option.string("models", "model registry directory (or --state)");
    static final Option<Long> VERSION =
            Option.longInteger("version", "the version to export").computed("the newest");
    static final Option<String> STATE =
            Option.string("state", "a trainer state file (final-state.bin) instead of --models");
    static final Option<String> METHOD_OPTIONS =
            Option.string("method-options", "", "the method options the state was trained with");
    static final Option<String> OUT = Option.string("out", "output directory").required();

    static final List<Option<?>> OPTIONS = List.of(MODELS, VERSION, STATE, METHOD_OPTIONS, OUT);
    /** --version selects from --models, a state file has one published version; --method-options are the state's. */
    static final List<Exclusive> GROUPS = List.of(
            Exclusive.exactlyOne(MODELS, STATE),
            Exclusive.atMostOne(STATE, VERSION),
            Exclusive.atMostOne(MODELS, METHOD_OPTIONS));

    static Command.Run prepare(Args a) {
        String models = a.get(MODELS);
        Long version = a.get(VERSION);
        String state = a.get(STATE);
        Map<String, String> methodOptions = KeyValues.list(METHOD_OPTIONS.subject(), a.get(METHOD_OPTIONS));
        String out = a.get(OUT);
        return () -> {
            EncoderSnapshot snapshot = models != null
                    ? fromRegistry(new ModelRegistry(Path.of(models)), version)
                    : fromState(Path.of(state), methodOptions);
            export(snapshot, out);
        };
    }

    private static void export(EncoderSnapshot snapshot, String out) {
        List<Path> files = EncoderExport.write(snapshot, Path.of(out));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("exported_version", snapshot.version());
        summary.put("encoder", snapshot.encoder());
        summary.put("out", out);
        summary.put("files", files.stream().map(f -> f.getFileName().toString()).toList());
        System.out.println(new Gson().toJson(summary));
    }

    private static EncoderSnapshot fromRegistry(ModelRegistry registry, Long version) {
        return version == null ? registry.latest() : registry.load(version);
    }

    /**
     * Restores a trainer from the state and takes its published encoder. A state of format 2 says
     * how its trainer was configured; one of format 1 holds no learning settings and no
     * normalisation: export uses neither the former, and the latter is {@link TrainerConfig#defaults}',
     * which every command trains with, and method options that size buffers (queue_size, ...) must
     * be given as in the run, or the restore refuses.
     */
    private static EncoderSnapshot fromState(Path file, Map<String, String> methodOptions) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        TrainerConfig config;
        try {
            TrainerCodec.Header h = TrainerCodec.header(bytes);
            // Format 2 records the whole configuration; format 1 only method, encoder and shape.
            config = h.formatVersion() >= 2
                    ? TrainerConfig.ofState(bytes)
                    : TrainerConfig.defaults(h.method(), h.encoder(), h.channels(), h.size(), 64)
                            .withOptions(methodOptions);
        } catch (CorruptStateException e) {
            throw new CorruptStateException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        try (SslTrainer trainer = new SslTrainer(config)) {
            trainer.restore(bytes);
            return trainer.publishedSnapshot();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (give --method-options as the run did)", e);
        }
    }
}
