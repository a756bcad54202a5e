package ai.oxbow.pipeline.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded index ({@link VectorIndex}) as the sink's target. Its commits record the checkpoint
 * they belong to, so after a restore only checkpoints newer than the last commit are re-applied.
 * A job that starts without a restore refuses an index that already holds a checkpoint: versions
 * are trainer steps, so a new run would overwrite the earlier run's vectors. A restored one refuses
 * an index that is not the one it wrote (another identity) and an empty one where it had
 * committed: the sink restarted where its index is not (a directory that is not shared), or the
 * index was deleted, and going on would leave an index holding only what comes after the restore.
 * One Lucene writer owns the directory, which must outlive the task (a local or shared disk path
 * that the restarted task sees again): parallelism 1.
 */
public final class LuceneTarget implements IndexTarget {
    /** @param indexDir the index directory */
    public record Spec(String indexDir) implements IndexTarget.Spec {
        @Override
        public IndexTarget open() throws IOException {
            return new LuceneTarget(indexDir);
        }

        @Override
        public int maxParallelism() {
            return 1;
        }
    }

    private final String indexDir;
    private final VectorIndex index;

    private LuceneTarget(String indexDir) throws IOException {
        this.indexDir = indexDir;
        this.index = new VectorIndex(Path.of(indexDir));
    }

    @Override
    public long resume(long restoredCheckpoint, List<String> recorded) throws IOException {
        for (String r : recorded) {
            checkSameIndex(r);
        }
        long held = index.lastCommittedCheckpoint();
        if (restoredCheckpoint >= 0 && held > restoredCheckpoint) {
            // Its later commits hold vectors of a run that is being abandoned; versions would mix.
            throw new IllegalStateException(
                    "index " + indexDir + " holds checkpoint " + held + ", newer than the restored "
                            + restoredCheckpoint + ": restore the latest checkpoint, or reindex into a new directory");
        }
        if (restoredCheckpoint < 0 && held >= 0) {
            throw new IllegalStateException("index " + indexDir + " holds checkpoint " + held + " of an earlier run: "
                    + "restore that job from its checkpoint, or give a new job a new index directory");
        }
        return held;
    }

    /** The restored job's index must be this directory's: refuses a foreign or a lost one. */
    private void checkSameIndex(String recorded) {
        int at = recorded.lastIndexOf('@');
        String identity = recorded.substring(0, at);
        long committedThen = Long.parseLong(recorded.substring(at + 1));
        String problem = null;
        if (index.hasCommits() && !index.identity().equals(identity)) {
            problem = "holds another index (" + index.identity() + ") than the one the restored job wrote (" + identity
                    + ")";
        } else if (!index.hasCommits() && committedThen >= 0) {
            problem = "is empty, but the restored job had committed checkpoint " + committedThen + " to its index "
                    + identity + " there (is --index-dir on storage every TaskManager reaches?)";
        }
        if (problem != null) {
            throw new IllegalStateException("index " + indexDir + " " + problem + "; refusing to continue: restore"
                    + " with the directory that holds it, or reindex (oxbow reindex) into a new --index-dir");
        }
        if (!index.hasCommits()) {
            index.adoptIdentity(identity);
        }
    }

    @Override
    public String recorded() {
        return index.identity() + "@" + index.lastCommittedCheckpoint();
    }

    @Override
    public int write(List<VectorDoc> docs) throws IOException {
        int written = 0;
        for (VectorDoc d : docs) {
            if (index.upsert(d)) {
                written++;
            }
        }
        return written;
    }

    @Override
    public void commit(long checkpointId) throws IOException {
        index.commit(checkpointId);
    }

    @Override
    public void close() throws IOException {
        index.close();
    }
}
