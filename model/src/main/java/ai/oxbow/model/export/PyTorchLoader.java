package ai.oxbow.model.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs an export's {@code oxbow_encoder.py} in a python3 that has PyTorch: $OXBOW_PYTHON if set,
 * else the first of {@code python3} on the PATH and {@code /usr/bin/python3} (where Debian's
 * python3-torch lives, which a pyenv or venv python3 on the PATH may hide) that imports torch.
 */
public final class PyTorchLoader {
    private static String python;

    private PyTorchLoader() {}

    /** Exit code and standard output (standard error goes to this process's). */
    public record Result(int exitCode, String output) {}

    public static Result run(Path exportDir, String... options) {
        List<String> arguments = new ArrayList<>(List.of(exportDir.toString()));
        arguments.addAll(List.of(options));
        return runScript(exportDir.resolve(EncoderExport.LOADER), arguments);
    }

    /** Any python script with arguments, in the same interpreter. */
    public static Result runScript(Path script, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(python(), script.toString()));
        command.addAll(arguments);
        try {
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /** The interpreter to use; fails with what to install when there is none. */
    public static synchronized String python() {
        if (python == null) {
            String configured = System.getenv("OXBOW_PYTHON");
            List<String> candidates = configured != null ? List.of(configured) : List.of("python3", "/usr/bin/python3");
            python = candidates.stream()
                    .filter(PyTorchLoader::importsTorch)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no python3 with PyTorch (tried " + candidates + "): install Debian's "
                                    + "python3-torch (apt-get install python3-torch) or set OXBOW_PYTHON"));
        }
        return python;
    }

    private static boolean importsTorch(String interpreter) {
        try {
            Process p = new ProcessBuilder(interpreter, "-c", "import torch")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
