package ai.oxbow.pipeline.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The writing side of the vector index: a Lucene index with one document per (image id, model
 * version), its vector in an HNSW graph under cosine similarity.
 *
 * <p>One index holds every model version. Vectors of different versions are not comparable (each
 * version is a different encoder), so every query is restricted to one version by a filter on the
 * version field; keeping them in one index lets old versions stay searchable while new ones
 * arrive, and lets `search` find an image under any version. The key (image id, version) makes
 * {@link #upsert} an update, so replaying the same embeddings is idempotent. An index belongs to
 * one training lineage (a job and its restores): versions are trainer steps, so another run would
 * reuse them, and all vectors share one dimension.
 *
 * <p>The graph is Lucene's default HNSW (16 neighbours per node, beam width 100, raw float
 * vectors). Measured with {@code bench index}, a wider search ({@link VectorSearch}) raises recall
 * more cheaply than a denser graph, which mostly slows indexing.
 *
 * <p>Nothing is visible to readers ({@link VectorSearch}) before {@link #commit}, and a commit records
 * the Flink checkpoint it belongs to, so the index sink can tell after a restore what the index
 * already holds. Not thread-safe; one writer per directory (Lucene's write lock enforces it).
 */
public final class VectorIndex implements AutoCloseable {
    static final String KEY = "key";
    static final String ID = "id";
    static final String VERSION = "version";
    static final String METHOD = "method";
    static final String ENCODER = "encoder";
    static final String LABEL = "label";
    static final String EVENT_TIME = "event_time";
    static final String VECTOR = "vector";
    static final String THUMBNAIL = "thumbnail";
    static final String CHECKPOINT = "oxbow.checkpoint";
    /** A random id given to an index at its first commit: tells one index from another. */
    static final String IDENTITY = "oxbow.index-id";

    private final Directory directory;
    private final IndexWriter writer;
    private long lastCommittedCheckpoint;
    private boolean committed;
    private String identity;

    public VectorIndex(Path dir) throws IOException {
        directory = FSDirectory.open(dir);
        committed = DirectoryReader.indexExists(directory);
        Map<String, String> userData =
                committed ? SegmentInfos.readLatestCommit(directory).getUserData() : Map.of();
        lastCommittedCheckpoint = checkpointOf(userData);
        // An index from before identities gets one at its next commit.
        identity = userData.getOrDefault(IDENTITY, UUID.randomUUID().toString());
        IndexWriterConfig config = new IndexWriterConfig()
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                // Closing must not publish what no checkpoint has confirmed.
                .setCommitOnClose(false);
        try {
            writer = new IndexWriter(directory, config);
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    static long checkpointOf(Map<String, String> userData) {
        String id = userData.get(CHECKPOINT);
        return id == null ? -1 : Long.parseLong(id);
    }

    static String key(String imageId, long version) {
        // The version is digits only, so the first ':' separates it from any image id.
        return version + ":" + imageId;
    }

    /**
     * Adds or replaces the document of (image id, version), visible after the next commit.
     *
     * @return false, and nothing written, for a vector without a direction (zero or not finite):
     *         cosine similarity is undefined for it
     */
    public boolean upsert(VectorDoc doc) throws IOException {
        if (!hasDirection(doc.vector())) {
            return false;
        }
        Document d = new Document();
        String key = key(doc.imageId(), doc.modelVersion());
        d.add(new StringField(KEY, key, Field.Store.NO));
        d.add(new StringField(ID, doc.imageId(), Field.Store.YES));
        d.add(new LongField(VERSION, doc.modelVersion(), Field.Store.YES));
        d.add(new StoredField(METHOD, doc.method()));
        d.add(new StoredField(ENCODER, doc.encoder()));
        d.add(new StoredField(LABEL, doc.label()));
        d.add(new StoredField(EVENT_TIME, doc.eventTime()));
        if (doc.thumbnail() != null) {
            d.add(new StoredField(THUMBNAIL, doc.thumbnail()));
        }
        // The graph keeps the raw floats too (no quantisation): VectorSearch reads them back.
        d.add(new KnnFloatVectorField(VECTOR, doc.vector(), VectorSimilarityFunction.COSINE));
        writer.updateDocument(new Term(KEY, key), d);
        return true;
    }

    static boolean hasDirection(float[] v) {
        double norm = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
            norm += (double) x * x;
        }
        return norm > 0;
    }

    /** Makes everything upserted so far visible, durably, recording the checkpoint it belongs to. */
    public void commit(long checkpointId) throws IOException {
        lastCommittedCheckpoint = checkpointId;
        commit();
    }

    /**
     * Commits without a new checkpoint id (the last one recorded stays), for indexes built offline
     * (`reindex`, `bench index`).
     */
    public void commit() throws IOException {
        Map<String, String> userData = new HashMap<>(Map.of(IDENTITY, identity));
        if (lastCommittedCheckpoint >= 0) {
            userData.put(CHECKPOINT, Long.toString(lastCommittedCheckpoint));
        }
        writer.setLiveCommitData(userData.entrySet());
        writer.commit();
        committed = true;
    }

    /** The checkpoint id of the last commit, -1 if none recorded one. */
    public long lastCommittedCheckpoint() {
        return lastCommittedCheckpoint;
    }

    /** Whether the directory holds a commit (this writer's or an earlier one's). */
    public boolean hasCommits() {
        return committed;
    }

    /** The index's id: the one its commits carry, or the one its first commit will carry. */
    public String identity() {
        return identity;
    }

    /** Continues an index that has no commit yet under the id a restored job knew it by. */
    public void adoptIdentity(String id) {
        if (committed) {
            throw new IllegalStateException("an index with commits keeps its identity " + identity);
        }
        identity = id;
    }

    /** Discards what was upserted since the last commit. */
    @Override
    public void close() throws IOException {
        try {
            writer.close();
        } finally {
            directory.close();
        }
    }
}
