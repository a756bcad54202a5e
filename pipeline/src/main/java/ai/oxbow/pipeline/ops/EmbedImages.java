package ai.oxbow.pipeline.ops;

import ai.oxbow.model.cluster.ClusterHead;
import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.schemas.EmbeddingEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Embeds every valid image with the newest published encoder version. Input 1: images (any
 * parallelism); input 2: encoder snapshots from the trainer, broadcast to every subtask.
 *
 * <ul>
 *   <li>Each subtask starts with version 0, which it builds itself ({@link
 *       EncoderSnapshot#initial}: the trainer's is the same), or with the version restored from
 *       state: images never wait for an encoder, so at most a batch of them is held (in operator
 *       state) and a fast source is back-pressured by the embedding itself, not buffered.</li>
 *   <li>A new snapshot first flushes the waiting images with the version they arrived under, then
 *       replaces the encoder: each image is embedded once, by the newest version that had
 *       arrived before it, and its event says which.</li>
 *   <li>The current snapshot is checkpointed by subtask 0 (union state: every subtask gets it back,
 *       also after a rescale; aligned barriers give every subtask the same version at a checkpoint,
 *       so one copy serves all, not one per subtask), as are each subtask's waiting images, so a
 *       failover neither drops nor repeats one.</li>
 * </ul>
 *
 * Images are embedded in batches of up to {@code batch}, or fewer after {@code maxWaitMs}.
 */
public final class EmbedImages extends AbstractStreamOperator<EmbeddingEvent>
        implements TwoInputStreamOperator<ModelImage, byte[], EmbeddingEvent>, BoundedMultiInput {
    private final int batch;
    private final TrainerConfig trainer;
    private final long maxWaitMs;
    private final int thumbnailSize;
    private transient Embedder embedder;
    private transient List<ModelImage> waiting;
    private transient ListState<ModelImage> waitingState;
    private transient ListState<byte[]> modelState;
    private transient long deadline;
    private transient Counter embedded;
    private transient volatile long lagMs;

    /**
     * @param trainer       the trainer's configuration, for version 0
     * @param thumbnailSize the longest side of the thumbnail each embedding carries, 0 for none
     */
    public EmbedImages(int batch, long maxWaitMs, TrainerConfig trainer, int thumbnailSize) {
        this.batch = batch;
        this.trainer = trainer;
        this.maxWaitMs = maxWaitMs;
        this.thumbnailSize = thumbnailSize;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        var store = context.getOperatorStateStore();
        waitingState =
                store.getListState(new ListStateDescriptor<>("embedder-waiting", TypeInformation.of(ModelImage.class)));
        modelState = store.getUnionListState(
                new ListStateDescriptor<>("embedder-model", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        waiting = new ArrayList<>();
        waitingState.get().forEach(waiting::add);
        for (byte[] bytes : modelState.get()) {
            EncoderSnapshot s = EncoderSnapshot.decode(bytes);
            if (embedder == null || s.version() > embedder.version()) {
                replaceEncoder(s);
            }
        }
        if (embedder == null) {
            replaceEncoder(EncoderSnapshot.initial(trainer));
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        var group = getMetricGroup().addGroup("oxbow");
        embedded = group.counter("images_embedded");
        group.gauge("embedder_model_version", () -> embedder == null ? -1L : embedder.version());
        group.gauge("embedder_waiting", () -> (long) waiting.size());
        // From the event's time to its embedding leaving this operator.
        group.gauge("embedding_lag_ms", () -> lagMs);
        if (!waiting.isEmpty()) {
            armTimer();
        }
    }

    @Override
    public void processElement1(StreamRecord<ModelImage> element) {
        waiting.add(element.getValue());
        if (waiting.size() >= batch) {
            flush();
        } else if (waiting.size() == 1) {
            armTimer();
        }
    }

    @Override
    public void processElement2(StreamRecord<byte[]> element) {
        EncoderSnapshot s = EncoderSnapshot.decode(element.getValue());
        if (s.version() <= embedder.version()) {
            return; // a re-sent version (the trainer re-announces its current one after a restart)
        }
        flush();
        replaceEncoder(s);
        flush();
    }

    private void replaceEncoder(EncoderSnapshot s) {
        Embedder previous = embedder;
        embedder = new Embedder(s);
        if (previous != null) {
            previous.close();
        }
    }

    private void armTimer() {
        long due = getProcessingTimeService().getCurrentProcessingTime() + maxWaitMs;
        deadline = due;
        getProcessingTimeService().registerTimer(due, time -> {
            if (time == deadline) {
                flush();
            }
        });
    }

    private void flush() {
        if (waiting.isEmpty()) {
            return;
        }
        EncoderSnapshot model = embedder.snapshot();
        int n = waiting.size();
        float[] vectors = embedder.embed(ModelImage.batch(waiting), n);
        int dim = embedder.dim();
        ClusterHead head = model.clusterHead();
        ClusterHead.Assignments clusters = head == null ? null : head.assign(vectors, n);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            ModelImage img = waiting.get(i);
            List<Float> vector = new ArrayList<>(dim);
            for (int d = 0; d < dim; d++) {
                vector.add(vectors[i * dim + d]);
            }
            output.collect(new StreamRecord<>(
                    EmbeddingEvent.newBuilder()
                            .setImageId(img.id)
                            .setEventTime(Instant.ofEpochMilli(img.eventTime))
                            .setModelVersion(model.version())
                            .setMethod(model.method())
                            .setEncoderName(model.encoder())
                            .setDim(dim)
                            .setLabel(img.label)
                            .setVector(vector)
                            .setThumbnail(thumbnail(img, model))
                            .setClusterId(clusters == null ? -1 : clusters.clusters()[i])
                            .setClusterProbability(clusters == null ? 0f : clusters.probabilities()[i])
                            .build(),
                    img.eventTime));
            lagMs = now - img.eventTime;
        }
        embedded.inc(n);
        waiting = new ArrayList<>();
        deadline = -1;
    }

    private ByteBuffer thumbnail(ModelImage img, EncoderSnapshot model) {
        byte[] png = Thumbnail.png(img, model.channels(), model.size(), thumbnailSize);
        return png == null ? null : ByteBuffer.wrap(png);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        waitingState.update(waiting);
        boolean writer = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
        modelState.update(writer ? List.of(embedder.snapshot().encode()) : List.of());
    }

    /**
     * Either input may end first: the two inputs are independent channels, so the trainer's last
     * version can arrive while images are still in flight. Whatever waits is embedded at once.
     */
    @Override
    public void endInput(int inputId) {
        flush();
    }

    @Override
    public void close() throws Exception {
        if (embedder != null) {
            embedder.close();
            embedder = null;
        }
        super.close();
    }
}
