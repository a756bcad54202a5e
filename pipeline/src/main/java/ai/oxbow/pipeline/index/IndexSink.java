package ai.oxbow.pipeline.index;

import ai.oxbow.schemas.EmbeddingEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes embeddings to a search index ({@link IndexTarget}: the embedded Lucene index or a
 * SolrCloud collection), exactly once as readers see it, with a write-ahead log in operator state.
 * Documents received before checkpoint n's barrier are stored in that checkpoint's state under id
 * n; only when Flink reports n complete are they written to the target and committed, with n as
 * the commit's checkpoint. A reader therefore never sees a vector whose checkpoint might still be
 * rolled back. After a restore, the logged documents of checkpoints newer than what the target
 * says it holds (a completion notice lost to the failure; all of them when it cannot tell) are
 * written and committed again; writes keyed by (image id, version) make that idempotent, so
 * nothing is lost or duplicated. Checkpointing must be on: without it nothing is ever committed.
 * The target may refuse to continue at the start (see {@link IndexTarget#resume}).
 *
 * <p>Writing happens on the task's thread in {@link #notifyCheckpointComplete}: a slow index
 * holds the sink, and through it the job (back-pressure); a target that gives up (after its
 * retries) fails the task, and Flink restores the last checkpoint, whose log still holds the
 * documents. Freshness, from an image's event time to its commit, is the histogram
 * {@code oxbow.index_freshness_ms} (documents re-applied after a restore are not counted).
 */
public final class IndexSink extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<EmbeddingEvent, Void> {
    private final IndexTarget.Spec spec;
    private transient IndexTarget target;
    private transient ListState<byte[]> logState;
    /** What the target needs a restore to find again ({@link IndexTarget#recorded}). */
    private transient ListState<String> identityState;
    /** Documents since the last barrier. */
    private transient List<VectorDoc> current;
    /** Logged documents by checkpoint id, not yet committed to the index. */
    private transient NavigableMap<Long, List<VectorDoc>> pending;

    private transient long restoredCheckpoint;
    private transient long alreadyCommitted;
    private transient Counter committed;
    private transient Counter rejected;
    private transient Histogram freshness;
    private transient volatile long lastCommitMs;

    public IndexSink(IndexTarget.Spec spec) {
        this.spec = spec;
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
        List<String> recorded = new ArrayList<>();
        identityState.get().forEach(recorded::add);
        target = spec.open();
        try {
            alreadyCommitted = target.resume(restoredCheckpoint, recorded);
        } catch (IOException | RuntimeException e) {
            target.close();
            target = null;
            throw e;
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        int subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        if (subtasks > spec.maxParallelism()) {
            throw new IllegalStateException("this index takes at most " + spec.maxParallelism()
                    + " writer(s), not a sink of parallelism " + subtasks);
        }
        var group = getMetricGroup().addGroup("oxbow");
        committed = group.counter("index_docs_committed");
        rejected = group.counter("index_docs_rejected");
        freshness = group.histogram("index_freshness_ms", new DescriptiveStatisticsHistogram(10_000));
        group.gauge("index_commit_ms", () -> lastCommitMs);
        if (restoredCheckpoint >= 0) {
            // Everything logged in the restored checkpoint completed with it.
            commitLogged(restoredCheckpoint, alreadyCommitted, false);
        }
    }

    @Override
    public void processElement(StreamRecord<EmbeddingEvent> element) {
        VectorDoc doc = VectorDoc.of(element.getValue());
        target.accept(doc);
        current.add(doc);
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
        String recorded = target.recorded();
        identityState.update(recorded == null ? List.of() : List.of(recorded));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        // Only a restore can find logged documents that the index already has.
        commitLogged(checkpointId, -1, true);
    }

    /**
     * Writes and commits the logged documents of checkpoints up to this one (a completed
     * checkpoint subsumes earlier ones whose notice never came), except those of checkpoints up
     * to {@code alreadyCommitted}, which the index holds already.
     *
     * @param measure whether the documents count in the freshness histogram (not when re-applied)
     */
    private void commitLogged(long checkpointId, long alreadyCommitted, boolean measure) throws IOException {
        NavigableMap<Long, List<VectorDoc>> done = pending.headMap(checkpointId, true);
        List<VectorDoc> docs = new ArrayList<>();
        done.tailMap(alreadyCommitted, false).values().forEach(docs::addAll);
        done.clear();
        if (docs.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        int written = target.write(docs);
        target.commit(checkpointId);
        long visible = System.currentTimeMillis();
        lastCommitMs = (System.nanoTime() - start) / 1_000_000;
        committed.inc(written);
        rejected.inc(docs.size() - written);
        if (measure) {
            for (VectorDoc d : docs) {
                freshness.update(visible - d.eventTime());
            }
        }
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
            if (target != null) {
                target.close();
            }
        } finally {
            super.close();
        }
    }
}
