package ai.oxbow.pipeline.index;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * Where {@link IndexSink} writes: one implementation per search engine ({@link LuceneTarget}, the
 * embedded index; {@link SolrTarget}, a SolrCloud collection). The sink owns exactly-once: it logs
 * documents in checkpoint state and hands them to the target only once their checkpoint has
 * completed, again after a restore; a target writes them keyed by (image id, model version), so a
 * re-applied write replaces itself, and makes them visible at {@link #commit}.
 */
public interface IndexTarget extends AutoCloseable {
    /** How each sink subtask opens its target; travels with the job graph. */
    interface Spec extends Serializable {
        IndexTarget open() throws IOException;

        /** Sink subtasks that may write at once (1: one writer owns the index). */
        int maxParallelism();
    }

    /**
     * Checks, before anything is written, that this target is the one the job should continue
     * (throws IllegalStateException, saying why and what to do, when not).
     *
     * @param restoredCheckpoint the checkpoint the job restored, -1 for a fresh start
     * @param recorded           what {@link #recorded} returned at that checkpoint's snapshot (every subtask's)
     * @return the newest checkpoint whose documents the target already holds; -1 when it cannot
     *         tell, and the sink re-applies every logged document
     */
    long resume(long restoredCheckpoint, List<String> recorded) throws IOException;

    /** What a restore must find again ({@link #resume}); null: nothing. */
    String recorded() throws IOException;

    /** Refuses, before it enters the log, a document this target could never hold (e.g. another dimension). */
    default void accept(VectorDoc doc) {}

    /**
     * Writes documents, invisible to readers until {@link #commit}.
     *
     * @return how many were written; the others had a vector without a direction (zero or not finite)
     */
    int write(List<VectorDoc> docs) throws IOException;

    /** Makes everything written visible and durable, as of this completed checkpoint. */
    void commit(long checkpointId) throws IOException;

    @Override
    void close() throws IOException;
}
