package ai.oxbow.pipeline.cli;

import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.serve.SearchService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `search --index DIR (--id IMAGE_ID | --image FILE) [--models DIR] [--version V] [--k 10]`:
 * nearest images within one model version. By id, the query is the image's stored vector (its
 * newest version, or V); by file, the image embedded by version V from the registry (default: the
 * newest version that both the index and the registry have). One JSON line per hit, then a
 * summary whose latency_ms is the index search alone (not loading a model or embedding).
 */
public final class Search {
    private Search() {}

    static final Option<String> INDEX =
            Option.string("index", "index directory").required();
    static final Option<String> ID = Option.string("id", "query by the stored vector of this image id");
    static final Option<String> IMAGE =
            Option.string("image", "query by this image file, embedded with --version from --models");
    static final Option<String> MODELS = Option.string("models", "model registry directory (for --image)");
    static final Option<Long> VERSION =
            Option.longInteger("version", "model version to search within").computed("the newest");
    static final Option<Integer> K = Option.integer("k", 10, "neighbours").atLeast(1);

    static final List<Option<?>> OPTIONS = List.of(INDEX, ID, IMAGE, MODELS, VERSION, K, JobOptions.THREADS);
    static final List<Exclusive> GROUPS = List.of(Exclusive.exactlyOne(ID, IMAGE));

    static Command.Run prepare(Args a) {
        Path indexDir = Path.of(a.get(INDEX));
        String id = a.get(ID);
        String image = a.get(IMAGE);
        String models = a.get(MODELS);
        Long version = a.get(VERSION);
        int k = a.get(K);
        SearchService.checkK(k);
        if (image != null && models == null) {
            throw new IllegalArgumentException(
                    "search --image needs --models DIR, the registry of the encoder versions");
        }
        if (image != null && !Files.isRegularFile(Path.of(image))) {
            throw new IllegalArgumentException("no image file " + image);
        }
        return () -> search(indexDir, id, image, models == null ? null : Path.of(models), version, k);
    }

    private static void search(Path indexDir, String id, String image, Path models, Long version, int k)
            throws IOException {
        try (SearchService service = new SearchService(indexDir, models)) {
            SearchService.Result r = id != null
                    ? service.byId(id, k, version)
                    : service.byImage(Files.readAllBytes(Path.of(image)), image, k, version);
            for (int i = 0; i < r.hits().size(); i++) {
                VectorSearch.Hit h = r.hits().get(i);
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
            summary.put("model_version", r.modelVersion());
            summary.put("k", k);
            summary.put("hits", r.hits().size());
            summary.put("latency_ms", r.latencyMs());
            System.out.println(Json.line(summary));
        }
    }
}
