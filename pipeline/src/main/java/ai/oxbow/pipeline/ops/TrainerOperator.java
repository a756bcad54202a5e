package ai.oxbow.pipeline.ops;

import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.schemas.EmbeddingEvent;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The single stateful trainer (parallelism 1). For each micro-batch it embeds the clean images
 * with the current encoder (tagged with its version, the step count), then takes one training
 * step on the two views. Everything the trainer learned is one versioned blob in operator state;
 * a restore is verified bit for bit against that blob before processing resumes.
 */
public final class TrainerOperator extends AbstractStreamOperator<EmbeddingEvent>
        implements OneInputStreamOperator<MicroBatch, EmbeddingEvent>, BoundedOneInput {

    /**
     * @param runDir             where CSV series, the final state and trainer events go (optional)
     * @param publishEverySteps  publish the encoder for embeddings every K steps (0 = by time only)
     * @param publishEveryMs     ... or every T ms (0 = by steps only)
     * @param collapseThreshold  alarm when collapse_std falls below this fraction of 1/sqrt(d)
     * @param holdOnCollapse     publish no new version while the alarm is on
     * @param classes            label classes for the online kNN probe
     * @param expectedImages     images a bounded run expects, for the progress ETA (0 = unknown)
     * @param failAtStep         test hook: fail once at this step after a checkpoint (0 = never)
     */
    public record Options(String runDir, long progressIntervalMs, long publishEverySteps, long publishEveryMs,
                          double collapseThreshold, boolean holdOnCollapse, int classes, long expectedImages,
                          long failAtStep)
            implements java.io.Serializable {}

    private final TrainerConfig config;
    private final Options options;
    private transient SslTrainer trainer;
    private transient ListState<byte[]> trainerState;
    private transient long checkpointsCompleted;
    private transient long lastPublishMs;
    private transient Counter untrained;
    private transient TrainerMonitor monitor;

    public TrainerOperator(TrainerConfig config, Options options) {
        this.config = config;
        this.options = options;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        trainerState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("trainer-state", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        trainer = new SslTrainer(config);
        List<byte[]> stored = new ArrayList<>();
        trainerState.get().forEach(stored::add);
        if (stored.size() > 1) {
            throw new IllegalStateException("trainer state must be one blob, found " + stored.size()
                    + " (was the trainer's parallelism changed from 1?)");
        }
        if (!stored.isEmpty()) {
            byte[] blob = stored.get(0);
            trainer.restore(blob);
            if (!Arrays.equals(blob, trainer.snapshot())) {
                throw new IllegalStateException("restored trainer state differs from the checkpointed state");
            }
            report("restored step=" + trainer.step() + " bytes=" + blob.length + " verified=bitwise");
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        monitor = new TrainerMonitor(getMetricGroup(), trainer, options, line -> {
            try {
                report(line);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        untrained = getMetricGroup().addGroup("oxbow").counter("images_untrained");
        lastPublishMs = System.currentTimeMillis();
    }

    @Override
    public void processElement(StreamRecord<MicroBatch> element) {
        TrainingPair[] items = element.getValue().items;
        int n = items.length;
        int pixels = config.pixelsPerImage();
        float[] clean = new float[n * pixels];
        float[] view1 = new float[n * pixels];
        float[] view2 = new float[n * pixels];
        for (int i = 0; i < n; i++) {
            System.arraycopy(items[i].clean, 0, clean, i * pixels, pixels);
            System.arraycopy(items[i].view1, 0, view1, i * pixels, pixels);
            System.arraycopy(items[i].view2, 0, view2, i * pixels, pixels);
        }
        float[] vectors = trainer.embed(clean, n);
        emitEmbeddings(items, vectors);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = items[i].label;
        }
        monitor.embedded(vectors, labels, Arrays.stream(items).mapToLong(p -> p.eventTime).min().orElse(0));
        // BatchNorm needs two samples; a lone straggler is embedded but not trained.
        if (n >= 2) {
            monitor.trained(trainer.train(view1, view2, n));
            maybePublish();
            monitor.maybeReport(view1, view2, n, pixels);
        } else {
            untrained.inc(n);
        }
        maybeFail();
    }

    /** A new encoder version every K steps or T ms, unless the collapse alarm holds it. */
    private void maybePublish() {
        long now = System.currentTimeMillis();
        boolean due = (options.publishEverySteps() > 0
                && trainer.step() - trainer.publishedVersion() >= options.publishEverySteps())
                || (options.publishEveryMs() > 0 && now - lastPublishMs >= options.publishEveryMs());
        if (due && !(monitor.alarm() && options.holdOnCollapse())) {
            trainer.publish();
            lastPublishMs = now;
        }
    }

    private void emitEmbeddings(TrainingPair[] items, float[] vectors) {
        int dim = vectors.length / items.length;
        for (int i = 0; i < items.length; i++) {
            List<Float> vector = new ArrayList<>(dim);
            for (int d = 0; d < dim; d++) {
                vector.add(vectors[i * dim + d]);
            }
            output.collect(new StreamRecord<>(EmbeddingEvent.newBuilder()
                    .setImageId(items[i].id)
                    .setEventTime(Instant.ofEpochMilli(items[i].eventTime))
                    .setModelVersion(trainer.publishedVersion())
                    .setMethod(config.method())
                    .setEncoderName(config.encoder())
                    .setVector(vector)
                    .build(), items[i].eventTime));
        }
    }

    /** Test hook: one failure after a checkpoint, on the first attempt only. */
    private void maybeFail() {
        if (options.failAtStep() > 0 && trainer.step() >= options.failAtStep() && checkpointsCompleted > 0
                && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
            throw new IllegalStateException("injected failure at step " + trainer.step());
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        monitor.flush();
        trainerState.update(List.of(trainer.snapshot()));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        checkpointsCompleted++;
    }

    /** At the end of a bounded stream the final state is written for evaluation and export. */
    @Override
    public void endInput() throws IOException {
        if (options.runDir() != null) {
            Path dir = Path.of(options.runDir());
            Files.createDirectories(dir);
            Path tmp = dir.resolve("final-state.bin.tmp");
            trainer.publish();
            Files.write(tmp, trainer.snapshot());
            Files.move(tmp, dir.resolve("final-state.bin"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            TrainerSummary.write(dir, trainer);
        }
    }

    private void report(String line) throws IOException {
        LOG.info("trainer {}", line);
        if (options.runDir() != null) {
            Path dir = Path.of(options.runDir());
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("trainer-events.log"), Instant.now() + " " + line + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    @Override
    public void close() throws Exception {
        if (monitor != null) {
            monitor.close();
            monitor = null;
        }
        if (trainer != null) {
            trainer.close();
            trainer = null;
        }
        super.close();
    }
}
