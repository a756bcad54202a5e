package ai.oxbow.pipeline.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.schemas.EmbeddingEvent;
import java.nio.file.Path;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restored index sink continues only on the index it wrote: not on an empty directory (it
 * restarted where its index is not) nor on another index; on its own it goes on.
 */
class IndexSinkRestoreTest {
    @TempDir
    Path tmp;

    /** A sink that wrote 10 documents to {@code dir} and committed them with checkpoint 1, then snapshotted checkpoint 2. */
    private OperatorSubtaskState runAndSnapshot(Path dir) throws Exception {
        try (var h = new OneInputStreamOperatorTestHarness<EmbeddingEvent, Void>(
                new IndexSink(new LuceneTarget.Spec(dir.toString())))) {
            h.open();
            for (long i = 0; i < 10; i++) {
                h.processElement(IndexSinkTest.embedding(i), i);
            }
            h.snapshot(1, 1);
            h.notifyOfCompletedCheckpoint(1);
            h.processElement(IndexSinkTest.embedding(10), 10);
            return h.snapshot(2, 2);
        }
    }

    /** Restores checkpoint 2 of {@link #runAndSnapshot} into a sink on {@code dir}. */
    private static void restore(OperatorSubtaskState state, Path dir) throws Exception {
        try (var h = new OneInputStreamOperatorTestHarness<EmbeddingEvent, Void>(
                new IndexSink(new LuceneTarget.Spec(dir.toString())))) {
            h.setRestoredCheckpointId(2);
            h.initializeState(state);
            h.open();
            h.notifyOfCompletedCheckpoint(3);
        }
    }

    @Test
    void refusesAnEmptyIndexDirectoryAfterCommits() throws Exception {
        OperatorSubtaskState state = runAndSnapshot(tmp.resolve("index"));
        Exception e = assertThrows(Exception.class, () -> restore(state, tmp.resolve("elsewhere")));
        assertTrue(
                rootMessage(e).contains("is empty, but the restored job had committed checkpoint 1"), rootMessage(e));
    }

    @Test
    void refusesAnotherIndex() throws Exception {
        OperatorSubtaskState state = runAndSnapshot(tmp.resolve("index"));
        runAndSnapshot(tmp.resolve("other"));
        Exception e = assertThrows(Exception.class, () -> restore(state, tmp.resolve("other")));
        assertTrue(rootMessage(e).contains("holds another index"), rootMessage(e));
    }

    @Test
    void continuesOnItsOwnIndex() throws Exception {
        Path dir = tmp.resolve("index");
        OperatorSubtaskState state = runAndSnapshot(dir);
        restore(state, dir);
        try (VectorSearch search = new VectorSearch(dir)) {
            // The ten of checkpoint 1, and the one written ahead in checkpoint 2, committed after the restore.
            assertEquals(11, search.documentsPerImage().size());
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
