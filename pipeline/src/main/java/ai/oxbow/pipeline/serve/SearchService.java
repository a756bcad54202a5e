package ai.oxbow.pipeline.serve;

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
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Nearest-image search over a committed index, by an indexed image's id or by an image file embedded
 * with a version from the model registry: what `search` and `serve` answer. Safe for concurrent
 * callers: index reads take one short lock (the reader is swapped when the index commits), an
 * upload is decoded and embedded outside it, and one embedder per version is kept.
 */
public final class SearchService implements AutoCloseable {
    /** A query names something the index or the registry does not have. */
    public static final class NotFound extends IllegalArgumentException {
        NotFound(String message) {
            super(message);
        }
    }

    /** An uploaded file that is not an image the job would accept. */
    public static final class NotAnImage extends IllegalArgumentException {
        NotAnImage(String message) {
            super(message);
        }
    }

    /** The answer to one query: the version searched and the hits, best first. */
    public record Result(long modelVersion, List<VectorSearch.Hit> hits, double latencyMs) {}

    public static final int MAX_K = 1000;

    private final VectorSearch index;
    private final ModelRegistry registry;
    private final ImageDecoder decoder;
    private final ReentrantLock indexLock = new ReentrantLock();
    private final Map<Long, ImageEmbedder> embedders = new LinkedHashMap<>();

    /** @param models the registry for queries by image; null when only queries by id are served */
    public SearchService(Path indexDir, Path models) throws IOException {
        index = new VectorSearch(indexDir);
        registry = models == null ? null : new ModelRegistry(models);
        decoder = JobConfig.Decoding.DEFAULTS.decoder();
    }

    public static void checkK(int k) {
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("k must be between 1 and " + MAX_K + ", not " + k);
        }
    }

    /** Neighbours of an indexed image under its newest version, or {@code version}. */
    public Result byId(String id, int k, Long version) throws IOException {
        checkK(k);
        return withIndex(() -> {
            List<Long> versions = index.versionsOf(id);
            if (versions.isEmpty()) {
                throw new NotFound("image '" + id + "' is not in the index");
            }
            if (version != null && !versions.contains(version)) {
                throw new NotFound(
                        "image '" + id + "' has no vector of model version " + version + " (it has " + versions + ")");
            }
            long v = version != null ? version : versions.get(versions.size() - 1);
            return search(index.vectorOf(id, v).orElseThrow(), k, v);
        });
    }

    /**
     * Neighbours of an image file (PNG or JPEG, validated as the job validates events) embedded by
     * {@code version}, or by the newest version both the index and the registry have.
     */
    public Result byImage(byte[] bytes, String name, int k, Long version) throws IOException {
        checkK(k);
        if (registry == null) {
            throw new IllegalArgumentException("search by image needs the model registry (--models DIR)");
        }
        long v = imageVersion(version);
        DecodedImage decoded = decode(bytes, name);
        float[] vector;
        ImageEmbedder embedder = embedder(v);
        synchronized (embedder) {
            vector = embedder.embed(List.of(decoded))[0];
        }
        return withIndex(() -> search(vector, k, v));
    }

    private long imageVersion(Long version) throws IOException {
        Set<Long> indexed = versions().keySet();
        List<Long> registered = registry.versions();
        if (version != null) {
            if (!indexed.contains(version)) {
                throw new NotFound("model version " + version + " is not in the index (it has " + indexed + ")");
            }
            if (!registered.contains(version)) {
                throw new NotFound("model version " + version + " is not in the registry (it has " + registered + ")");
            }
            return version;
        }
        List<Long> both = registered.stream().filter(indexed::contains).toList();
        if (both.isEmpty()) {
            throw new NotFound("no model version is in both the index " + indexed + " and the registry " + registered);
        }
        return both.get(both.size() - 1);
    }

    private synchronized ImageEmbedder embedder(long version) throws IOException {
        ImageEmbedder e = embedders.get(version);
        if (e == null) {
            // A few versions stay loaded: a page usually asks the newest, now and then an older one.
            if (embedders.size() == 4) {
                Iterator<ImageEmbedder> oldest = embedders.values().iterator();
                ImageEmbedder evicted = oldest.next();
                oldest.remove();
                synchronized (evicted) {
                    evicted.close();
                }
            }
            e = new ImageEmbedder(registry.load(version));
            embedders.put(version, e);
        }
        return e;
    }

    private Result search(float[] vector, int k, long version) throws IOException {
        long start = System.nanoTime();
        List<VectorSearch.Hit> hits = index.search(vector, k, version);
        return new Result(version, hits, (System.nanoTime() - start) / 1e6);
    }

    /** Documents per model version, ascending. */
    public SortedMap<Long, Long> versions() throws IOException {
        return withIndex(index::versions);
    }

    /** Versions in the registry, ascending; empty without one. */
    public List<Long> registeredVersions() throws IOException {
        return registry == null ? List.of() : registry.versions();
    }

    public long committedCheckpoint() throws IOException {
        return withIndex(index::committedCheckpoint);
    }

    public Optional<byte[]> thumbnail(String id, long version) throws IOException {
        return withIndex(() -> index.thumbnailOf(id, version));
    }

    /** Up to {@code limit} ids indexed under {@code version} (default: the newest indexed version). */
    public Map<String, Object> sample(Long version, int limit) throws IOException {
        return withIndex(() -> {
            SortedMap<Long, Long> versions = index.versions();
            if (versions.isEmpty()) {
                return Map.of("model_version", -1L, "image_ids", List.of());
            }
            long v = version != null ? version : versions.lastKey();
            if (!versions.containsKey(v)) {
                throw new NotFound("model version " + v + " is not in the index (it has " + versions.keySet() + ")");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model_version", v);
            out.put("image_ids", index.imageIds(v, limit));
            return out;
        });
    }

    private interface IndexRead<T> {
        T read() throws IOException;
    }

    /** Reads the newest commit, under the lock that keeps a reader from being closed while in use. */
    private <T> T withIndex(IndexRead<T> read) throws IOException {
        indexLock.lock();
        try {
            index.refresh();
            return read.read();
        } finally {
            indexLock.unlock();
        }
    }

    /** A PNG or JPEG, its declared shape read from its header, then validated by the job's decoder. */
    public DecodedImage decode(byte[] bytes, String name) throws IOException {
        ImageEvent.Builder event = ImageEvent.newBuilder()
                .setId(name)
                .setEventTime(Instant.now())
                .setSource(name)
                .setBytes(ByteBuffer.wrap(bytes))
                .setLabel(null);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new NotAnImage(name + " is not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!format.equals("png") && !format.equals("jpeg")) {
                    throw new NotAnImage(name + " is " + format + ", not a PNG or JPEG image");
                }
                reader.setInput(in, true, true);
                event.setEncoding(format.equals("png") ? Encoding.PNG : Encoding.JPEG)
                        .setWidth(reader.getWidth(0))
                        .setHeight(reader.getHeight(0))
                        .setChannels(
                                reader.getImageTypes(0).next().getColorModel().getNumComponents());
            } catch (IOException | RuntimeException e) {
                if (e instanceof NotAnImage n) {
                    throw n;
                }
                throw new NotAnImage(name + ": unreadable image header: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
        try {
            return decoder.decode(event.build());
        } catch (Rejected r) {
            throw new NotAnImage(name + ": " + r.getMessage());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        embedders.values().forEach(ImageEmbedder::close);
        embedders.clear();
        index.close();
    }
}
