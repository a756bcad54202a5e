package ai.oxbow.pipeline.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The reading side of the vector index: sees the last commit only, never what a writer has not
 * committed (see {@link VectorIndex}). Every search is within one model version. Scores are
 * cosine similarities in [-1, 1].
 */
public final class VectorSearch implements AutoCloseable {
    /**
     * The HNSW search collects this many times k candidates and keeps the best k. On 10,000
     * Fashion-MNIST embeddings ({@code bench index}) recall@10 is 0.95 with 1x, 0.986 with 2x and
     * 0.993 with 3x; a denser graph (32 neighbours, beam 200) with 1x reaches only 0.956.
     */
    static final int CANDIDATE_FACTOR = 2;

    /** One result; label -1 when unknown. */
    public record Hit(String imageId, long modelVersion, float score, int label) {}

    private final Directory directory;
    private DirectoryReader reader;
    private IndexSearcher searcher;

    public VectorSearch(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no index at " + dir);
        }
        directory = FSDirectory.open(dir);
        if (!DirectoryReader.indexExists(directory)) {
            directory.close();
            throw new IllegalArgumentException("no committed index at " + dir);
        }
        reader = DirectoryReader.open(directory);
        searcher = new IndexSearcher(reader);
    }

    /** Moves to the newest commit, if there is one. */
    public boolean refresh() throws IOException {
        DirectoryReader newer = DirectoryReader.openIfChanged(reader);
        if (newer == null) {
            return false;
        }
        reader.close();
        reader = newer;
        searcher = new IndexSearcher(reader);
        return true;
    }

    /** The checkpoint id recorded by the commit this reader sees, -1 if none. */
    public long committedCheckpoint() throws IOException {
        return VectorIndex.checkpointOf(reader.getIndexCommit().getUserData());
    }

    /** Vector dimension of the index, 0 while it is empty. */
    public int dim() {
        FieldInfo f = FieldInfos.getMergedFieldInfos(reader).fieldInfo(VectorIndex.VECTOR);
        return f == null ? 0 : f.getVectorDimension();
    }

    /** Approximate (HNSW) nearest neighbours of a query among the vectors of one model version. */
    public List<Hit> search(float[] query, int k, long version) throws IOException {
        checkQuery(query);
        Query knn = new KnnFloatVectorQuery(VectorIndex.VECTOR, query, k * CANDIDATE_FACTOR, versionFilter(version));
        TopDocs top = searcher.search(knn, k);
        List<Hit> hits = new ArrayList<>(top.scoreDocs.length);
        StoredFields stored = searcher.storedFields();
        for (ScoreDoc sd : top.scoreDocs) {
            // Lucene scores cosine as (1 + cos) / 2.
            hits.add(hit(stored.document(sd.doc), 2 * sd.score - 1));
        }
        return hits;
    }

    /** Exact nearest neighbours by brute force over the stored vectors: the reference for recall. */
    public List<Hit> exactSearch(float[] query, int k, long version) throws IOException {
        checkQuery(query);
        double queryNorm = norm(query);
        record Scored(int doc, float score) {}
        PriorityQueue<Scored> best = new PriorityQueue<>(Comparator.comparingDouble(Scored::score));
        forEachVector(versionFilter(version), (doc, vector) -> {
            float score = (float) (dot(query, vector) / (queryNorm * norm(vector)));
            if (best.size() < k) {
                best.add(new Scored(doc, score));
            } else if (score > best.peek().score) {
                best.poll();
                best.add(new Scored(doc, score));
            }
        });
        List<Scored> sorted = new ArrayList<>(best);
        sorted.sort(Comparator.comparingDouble(Scored::score).reversed());
        StoredFields stored = searcher.storedFields();
        List<Hit> hits = new ArrayList<>(sorted.size());
        for (Scored s : sorted) {
            hits.add(hit(stored.document(s.doc), s.score));
        }
        return hits;
    }

    /** The stored vector of an image under one version, for search by id. */
    public Optional<float[]> vectorOf(String imageId, long version) throws IOException {
        List<float[]> found = new ArrayList<>(1);
        forEachVector(
                new TermQuery(new Term(VectorIndex.KEY, VectorIndex.key(imageId, version))),
                (doc, vector) -> found.add(vector.clone()));
        return found.stream().findFirst();
    }

    /** The thumbnail stored with an image's vector under one version, if the embedding carried one. */
    public Optional<byte[]> thumbnailOf(String imageId, long version) throws IOException {
        TopDocs top = searcher.search(new TermQuery(new Term(VectorIndex.KEY, VectorIndex.key(imageId, version))), 1);
        if (top.scoreDocs.length == 0) {
            return Optional.empty();
        }
        var field = searcher.storedFields()
                .document(top.scoreDocs[0].doc, Set.of(VectorIndex.THUMBNAIL))
                .getBinaryValue(VectorIndex.THUMBNAIL);
        return field == null
                ? Optional.empty()
                : Optional.of(Arrays.copyOfRange(field.bytes, field.offset, field.offset + field.length));
    }

    /** Up to {@code limit} image ids indexed under one version, in index order: something to query with. */
    public List<String> imageIds(long version, int limit) throws IOException {
        TopDocs top = searcher.search(versionFilter(version), limit);
        StoredFields stored = searcher.storedFields();
        List<String> ids = new ArrayList<>(top.scoreDocs.length);
        for (ScoreDoc sd : top.scoreDocs) {
            ids.add(stored.document(sd.doc, Set.of(VectorIndex.ID)).get(VectorIndex.ID));
        }
        return ids;
    }

    /** The versions under which an image is indexed, ascending. */
    public List<Long> versionsOf(String imageId) throws IOException {
        return List.copyOf(
                countVersions(new TermQuery(new Term(VectorIndex.ID, imageId))).keySet());
    }

    /** Documents per model version, ascending by version. */
    public SortedMap<Long, Long> versions() throws IOException {
        return countVersions(new MatchAllDocsQuery());
    }

    /** Documents per image id, over all versions. */
    public Map<String, Integer> documentsPerImage() throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        StoredFields stored = searcher.storedFields();
        collect(new MatchAllDocsQuery(), new SimpleCollector() {
            int docBase;

            @Override
            protected void doSetNextReader(LeafReaderContext context) {
                docBase = context.docBase;
            }

            @Override
            public void collect(int doc) throws IOException {
                counts.merge(
                        stored.document(docBase + doc, Set.of(VectorIndex.ID)).get(VectorIndex.ID), 1, Integer::sum);
            }

            @Override
            public ScoreMode scoreMode() {
                return ScoreMode.COMPLETE_NO_SCORES;
            }
        });
        return counts;
    }

    private SortedMap<Long, Long> countVersions(Query query) throws IOException {
        SortedMap<Long, Long> counts = new TreeMap<>();
        collect(query, new SimpleCollector() {
            SortedNumericDocValues versions;

            @Override
            protected void doSetNextReader(LeafReaderContext context) throws IOException {
                versions = context.reader().getSortedNumericDocValues(VectorIndex.VERSION);
            }

            @Override
            public void collect(int doc) throws IOException {
                if (versions.advanceExact(doc)) {
                    counts.merge(versions.nextValue(), 1L, Long::sum);
                }
            }

            @Override
            public ScoreMode scoreMode() {
                return ScoreMode.COMPLETE_NO_SCORES;
            }
        });
        return counts;
    }

    private interface VectorConsumer {
        void accept(int doc, float[] vector) throws IOException;
    }

    /**
     * The raw vectors (as indexed; the HNSW format keeps them unquantised) of the live documents a
     * query matches, with their index-wide doc ids. The array is reused between calls.
     */
    private void forEachVector(Query query, VectorConsumer consumer) throws IOException {
        collect(query, new SimpleCollector() {
            FloatVectorValues vectors;
            int docBase;

            @Override
            protected void doSetNextReader(LeafReaderContext context) throws IOException {
                vectors = context.reader().getFloatVectorValues(VectorIndex.VECTOR);
                docBase = context.docBase;
            }

            @Override
            public void collect(int doc) throws IOException {
                // Collectors see a segment's documents in increasing order, as advance() needs.
                if (vectors != null && vectors.advance(doc) == doc) {
                    consumer.accept(docBase + doc, vectors.vectorValue());
                }
            }

            @Override
            public ScoreMode scoreMode() {
                return ScoreMode.COMPLETE_NO_SCORES;
            }
        });
    }

    /** Runs a collector over every segment (the searcher has no executor, so one collector does). */
    private void collect(Query query, SimpleCollector collector) throws IOException {
        searcher.search(query, new CollectorManager<SimpleCollector, Void>() {
            @Override
            public SimpleCollector newCollector() {
                return collector;
            }

            @Override
            public Void reduce(Collection<SimpleCollector> collectors) {
                return null;
            }
        });
    }

    private static Query versionFilter(long version) {
        return LongField.newExactQuery(VectorIndex.VERSION, version);
    }

    private void checkQuery(float[] query) {
        int dim = dim();
        if (dim != 0 && query.length != dim) {
            throw new IllegalArgumentException("query has " + query.length + " dimensions, the index " + dim);
        }
        if (!VectorIndex.hasDirection(query)) {
            throw new IllegalArgumentException("the query vector is zero or not finite: it has no direction to search");
        }
    }

    private static Hit hit(Document d, float score) {
        return new Hit(
                d.get(VectorIndex.ID),
                d.getField(VectorIndex.VERSION).numericValue().longValue(),
                score,
                d.getField(VectorIndex.LABEL).numericValue().intValue());
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }

    @Override
    public void close() throws IOException {
        try {
            reader.close();
        } finally {
            directory.close();
        }
    }
}
