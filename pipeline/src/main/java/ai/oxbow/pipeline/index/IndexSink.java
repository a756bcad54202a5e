package ai.oxbow.pipeline.index;

import ai.oxbow.schemas.EmbeddingEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes embeddings to a {@link VectorIndex}, exactly once as readers see it, with a write-ahead
 * log in operator state. Documents received before checkpoint n's barrier are stored in that
 * checkpoint's state under id n; only when Flink reports n complete are they upserted and
 * committed with n as the commit's checkpoint id. A reader therefore never sees a vector whose
 * checkpoint might still be rolled back. After a restore, the logged documents of checkpoints
 * newer than the index's last commit (a completion notice lost to the failure) are upserted and
 * committed again; upsert by (image id, version) makes that idempotent, so nothing is lost or
 * duplicated. Checkpointing must be on: without it nothing is ever committed. A job that starts
 * without a restore refuses an index that already holds a checkpoint: versions are trainer steps,
 * so a new run would overwrite the earlier run's vectors. A restored one refuses an index that
 * is not the one it wrote (another identity) and an empty one where it had committed: the sink
 * restarted where its index is not (a directory that is not shared), or the index was deleted,
 * and going on would leave an index holding only what comes after the restore.
 *
 * <p>Parallelism 1: one Lucene writer owns the index directory, which must outlive the task (a
 * local or shared disk path that the restarted task sees again).
 */
public final class IndexSink extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<EmbeddingEvent, Void> {
    private final String indexDir;
    private transient VectorIndex index;
    private transient ListState<byte[]> logState;
    /** The index this sink writes, as "identity@last committed checkpoint" at the snapshot. */
    private transient ListState<String> identityState;
    /** Documents since the last barrier. */
    private transient List<VectorDoc> current;
    /** Logged documents by checkpoint id, not yet committed to the index. */
    private transient NavigableMap<Long, List<VectorDoc>> pending;

    private transient long restoredCheckpoint;
    private transient Counter committed;
    private transient Counter rejected;
    private transient volatile long lastCommitMs;

    public IndexSink(String indexDir) {
        this.indexDir = indexDir;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        logState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>(
                        "index-write-ahead-log", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        current = new ArrayList<>();
        pending = new TreeMap<>();
        for (byte[] entry : logState.get()) {
            readEntry(entry);
        }
        identityState =
                context.getOperatorStateStore().getListState(new ListStateDescriptor<>("index-identity", String.class));
        restoredCheckpoint = context.getRestoredCheckpointId().orElse(-1);
        index = new VectorIndex(Path.of(indexDir));
        for (String recorded : identityState.get()) {
            checkSameIndex(recorded);
        }
        if (restoredCheckpoint >= 0 && index.lastCommittedCheckpoint() > restoredCheckpoint) {
            long held = index.lastCommittedCheckpoint();
            index.close();
            index = null;
            // Its later commits hold vectors of a run that is being abandoned; versions would mix.
            throw new IllegalStateException(
                    "index " + indexDir + " holds checkpoint " + held + ", newer than the restored "
                            + restoredCheckpoint + ": restore the latest checkpoint, or reindex into a new directory");
        }
        if (restoredCheckpoint < 0 && index.lastCommittedCheckpoint() >= 0) {
            long held = index.lastCommittedCheckpoint();
            index.close();
            index = null;
            throw new IllegalStateException("index " + indexDir + " holds checkpoint " + held + " of an earlier run: "
                    + "restore that job from its checkpoint, or give a new job a new index directory");
        }
    }

    /** The restored job's index must be this directory's: refuses a foreign or a lost one. */
    private void checkSameIndex(String recorded) throws IOException {
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
            index.close();
            index = null;
            throw new IllegalStateException("index " + indexDir + " " + problem + "; refusing to continue: restore"
                    + " with the directory that holds it, or reindex (oxbow reindex) into a new --index-dir");
        }
        if (!index.hasCommits()) {
            index.adoptIdentity(identity);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks() != 1) {
            throw new IllegalStateException("the index sink runs with parallelism 1 (one writer per index)");
        }
        var group = getMetricGroup().addGroup("oxbow");
        committed = group.counter("index_docs_committed");
        rejected = group.counter("index_docs_rejected");
        group.gauge("index_commit_ms", () -> lastCommitMs);
        if (restoredCheckpoint >= 0) {
            // Everything logged in the restored checkpoint completed with it.
            commitLogged(restoredCheckpoint, index.lastCommittedCheckpoint());
        }
    }

    @Override
    public void processElement(StreamRecord<EmbeddingEvent> element) {
        current.add(VectorDoc.of(element.getValue()));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (!current.isEmpty()) {
            pending.put(context.getCheckpointId(), current);
            current = new ArrayList<>();
        }
        List<byte[]> entries = new ArrayList<>(pending.size());
        for (Map.Entry<Long, List<VectorDoc>> e : pending.entrySet()) {
            entries.add(writeEntry(e.getKey(), e.getValue()));
        }
        logState.update(entries);
        identityState.update(List.of(index.identity() + "@" + index.lastCommittedCheckpoint()));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        // Only a restore can find logged documents that the index already has.
        commitLogged(checkpointId, -1);
    }

    /**
     * Upserts and commits the logged documents of checkpoints up to this one (a completed
     * checkpoint subsumes earlier ones whose notice never came), except those of checkpoints up
     * to {@code alreadyCommitted}, which the index holds already.
     */
    private void commitLogged(long checkpointId, long alreadyCommitted) throws IOException {
        NavigableMap<Long, List<VectorDoc>> done = pending.headMap(checkpointId, true);
        List<VectorDoc> docs = new ArrayList<>();
        done.tailMap(alreadyCommitted, false).values().forEach(docs::addAll);
        done.clear();
        if (docs.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        long written = 0;
        for (VectorDoc d : docs) {
            if (index.upsert(d)) {
                written++;
            } else {
                rejected.inc();
            }
        }
        index.commit(checkpointId);
        lastCommitMs = (System.nanoTime() - start) / 1_000_000;
        committed.inc(written);
    }

    private static byte[] writeEntry(long checkpointId, List<VectorDoc> docs) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            // Format-1 entries began with the (non-negative) checkpoint id; newer ones with -format.
            out.writeLong(-VectorDoc.FORMAT);
            out.writeLong(checkpointId);
            out.writeInt(docs.size());
            for (VectorDoc d : docs) {
                d.write(out);
            }
        }
        return bytes.toByteArray();
    }

    private void readEntry(byte[] entry) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
            long first = in.readLong();
            int format = first < 0 ? (int) -first : 1;
            if (format > VectorDoc.FORMAT) {
                throw new IllegalStateException(
                        "index sink state has format " + format + "; this build reads up to " + VectorDoc.FORMAT);
            }
            long checkpointId = first < 0 ? in.readLong() : first;
            int n = in.readInt();
            List<VectorDoc> docs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                docs.add(VectorDoc.read(in, format));
            }
            pending.put(checkpointId, docs);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (index != null) {
                index.close();
            }
        } finally {
            super.close();
        }
    }
}
