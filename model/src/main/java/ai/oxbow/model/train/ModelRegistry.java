package ai.oxbow.model.train;

import ai.oxbow.model.util.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A directory of published encoder versions, one file each ({@code v<version>.oxm}, an
 * {@link EncoderSnapshot}), so that `search`, `reindex` and `export` can use the exact encoder
 * that made a vector. Files are written atomically. A version published after the last
 * completed checkpoint can be rewritten after a failover (training resumes from the checkpoint);
 * no committed embedding ever used such a file's earlier content.
 */
public final class ModelRegistry {
    private final Path dir;

    public ModelRegistry(Path dir) {
        this.dir = dir;
    }

    public Path file(long version) {
        return dir.resolve(String.format("v%012d.oxm", version));
    }

    public void write(EncoderSnapshot snapshot) {
        try {
            Files.createDirectories(dir);
            AtomicFile.write(file(snapshot.version()), snapshot.encode());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public EncoderSnapshot load(long version) {
        Path f = file(version);
        if (!Files.exists(f)) {
            throw new IllegalArgumentException(
                    "no model version " + version + " in " + dir + " (have " + versions() + ")");
        }
        try {
            return EncoderSnapshot.decode(Files.readAllBytes(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stored versions, ascending. */
    public List<Long> versions() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("v\\d{12,19}\\.oxm"))
                    .map(n -> Long.parseLong(n.substring(1, n.length() - 4)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public EncoderSnapshot latest() {
        List<Long> versions = versions();
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("no model versions in " + dir);
        }
        return load(versions.get(versions.size() - 1));
    }
}
