package ai.oxbow.pipeline.bench;

import ai.oxbow.model.export.EncoderExport;
import ai.oxbow.model.export.PyTorchLoader;
import ai.oxbow.model.train.EncoderSnapshot;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The plain-PyTorch half of a benchmark: an encoder exported as users get it (with
 * {@code oxbow_encoder.py}) into a temporary directory, removed on close, and scripts run there in
 * Debian's python3-torch, each printing one JSON line. It refuses a PyTorch that multiplies with
 * the reference BLAS (see torch_blas.py): its figures would compare BLAS builds, not frameworks.
 */
final class PyTorchSide implements AutoCloseable {
    private static final Pattern OPTIMISED_BLAS = Pattern.compile(".*(openblas|mkl|blis|atlas).*");

    private final Path dir;
    private final String blas;

    PyTorchSide(EncoderSnapshot snapshot) {
        try {
            dir = Files.createTempDirectory("oxbow-bench");
            EncoderExport.write(snapshot, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> libraries = run(script("torch_blas.py"), List.of()).getAsJsonArray("blas").asList().stream()
                .map(JsonElement::getAsString)
                .toList();
        blas = String.join(",", libraries);
        if (libraries.stream().noneMatch(l -> OPTIMISED_BLAS.matcher(l).matches())) {
            close();
            throw new IllegalStateException("python3-torch multiplies with the reference BLAS (" + blas
                    + "): install an optimised one (apt-get install libopenblas0-pthread) for a fair comparison");
        }
    }

    /** The BLAS libraries PyTorch loaded, for the benchmark's output. */
    String blas() {
        return blas;
    }

    Path dir() {
        return dir;
    }

    /** Copies a script from this package's resources next to the export; returns its path. */
    Path script(String resource) {
        try (InputStream in = PyTorchSide.class.getResourceAsStream(resource)) {
            Path script = dir.resolve(resource);
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON line a script printed; fails with its exit code and output otherwise. */
    JsonObject run(Path script, List<String> arguments) {
        PyTorchLoader.Result r = PyTorchLoader.runScript(script, arguments);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(
                    script.getFileName() + " failed (exit " + r.exitCode() + "): " + r.output());
        }
        return JsonParser.parseString(r.output().strip()).getAsJsonObject();
    }

    @Override
    public void close() {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
