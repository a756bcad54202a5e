package ai.oxbow.pipeline.cli;

import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.pipeline.index.ImageEmbedder;
import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.ops.DecodedImage;
import ai.oxbow.pipeline.ops.ImageDecoder;
import ai.oxbow.pipeline.ops.Rejected;
import ai.oxbow.schemas.Encoding;
import ai.oxbow.schemas.ImageEvent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * `search --index DIR (--id IMAGE_ID | --image FILE) [--models DIR] [--version V] [--k 10]`:
 * nearest images within one model version. By id, the query is the image's stored vector (its
 * newest version, or V); by file, the image embedded by version V from the registry (default: the
 * newest version that both the index and the registry have). One JSON line per hit, then a
 * summary whose latency_ms is the index search alone (not loading a model or embedding).
 */
public final class Search {
    private Search() {}

    private record Query(float[] vector, long version) {}

    public static void run(Args a) throws IOException {
        String indexDir = a.get("index", null);
        String id = a.get("id", null);
        String image = a.get("image", null);
        String models = a.get("models", null);
        Long version = a.has("version") ? a.getLong("version", 0) : null;
        int k = a.getInt("k", 10);
        a.checkAllUsed();
        if (indexDir == null || (id == null) == (image == null)) {
            throw new IllegalArgumentException("usage: search --index DIR (--id IMAGE_ID | --image FILE) "
                    + "[--models DIR] [--version V] [--k 10]");
        }
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1");
        }
        try (VectorSearch index = new VectorSearch(Path.of(indexDir))) {
            Query q = id != null ? byId(index, id, version) : byImage(index, Path.of(image), models, version);
            long start = System.nanoTime();
            List<VectorSearch.Hit> hits = index.search(q.vector, k, q.version);
            double ms = (System.nanoTime() - start) / 1e6;
            for (int i = 0; i < hits.size(); i++) {
                VectorSearch.Hit h = hits.get(i);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("rank", i + 1);
                line.put("image_id", h.imageId());
                line.put("score", h.score());
                line.put("model_version", h.modelVersion());
                line.put("label", h.label());
                System.out.println(Json.line(line));
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("query", id != null ? id : image);
            summary.put("model_version", q.version);
            summary.put("k", k);
            summary.put("hits", hits.size());
            summary.put("latency_ms", ms);
            System.out.println(Json.line(summary));
        }
    }

    private static Query byId(VectorSearch index, String id, Long version) throws IOException {
        List<Long> versions = index.versionsOf(id);
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("image '" + id + "' is not in the index");
        }
        if (version != null && !versions.contains(version)) {
            throw new IllegalArgumentException("image '" + id + "' has no vector of model version " + version
                    + " (it has " + versions + ")");
        }
        long v = version != null ? version : versions.get(versions.size() - 1);
        return new Query(index.vectorOf(id, v).orElseThrow(), v);
    }

    private static Query byImage(VectorSearch index, Path file, String models, Long version) throws IOException {
        if (models == null) {
            throw new IllegalArgumentException("search --image needs --models DIR, the registry of the encoder versions");
        }
        ModelRegistry registry = new ModelRegistry(Path.of(models));
        Set<Long> indexed = index.versions().keySet();
        long v;
        if (version != null) {
            if (!indexed.contains(version)) {
                throw new IllegalArgumentException("model version " + version + " is not in the index (it has "
                        + indexed + ")");
            }
            v = version;
        } else {
            List<Long> both = registry.versions().stream().filter(indexed::contains).toList();
            if (both.isEmpty()) {
                throw new IllegalArgumentException("no model version is in both the index " + indexed
                        + " and the registry " + registry.versions() + " (" + models + ")");
            }
            v = both.get(both.size() - 1);
        }
        DecodedImage decoded = decode(file);
        try (ImageEmbedder embedder = new ImageEmbedder(registry.load(v))) {
            return new Query(embedder.embed(List.of(decoded))[0], v);
        }
    }

    /** A PNG or JPEG file, validated as the job validates events (limits before decoding). */
    private static DecodedImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no image file " + file);
        }
        byte[] bytes = Files.readAllBytes(file);
        ImageEvent.Builder event = ImageEvent.newBuilder()
                .setId(file.getFileName().toString())
                .setEventTime(Instant.now())
                .setSource(file.toString())
                .setBytes(ByteBuffer.wrap(bytes))
                .setLabel(null);
        // The event declares what the header says; the decoder then checks the image against it.
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException(file + " is not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!format.equals("png") && !format.equals("jpeg")) {
                    throw new IllegalArgumentException(file + " is " + format + ", not a PNG or JPEG image");
                }
                reader.setInput(in, true, true);
                event.setEncoding(format.equals("png") ? Encoding.PNG : Encoding.JPEG)
                        .setWidth(reader.getWidth(0))
                        .setHeight(reader.getHeight(0))
                        .setChannels(reader.getImageTypes(0).next().getColorModel().getNumComponents());
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": unreadable image header: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
        JobConfig limits = new JobConfig();
        try {
            return new ImageDecoder(limits.maxPixels, limits.maxEncodedBytes).decode(event.build());
        } catch (Rejected r) {
            throw new IllegalArgumentException(file + ": " + r.getMessage());
        }
    }
}
