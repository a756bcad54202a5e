package ai.oxbow.pipeline.ops;

import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.schemas.EmbeddingEvent;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
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
import java.util.Map;

/**
 * The single stateful trainer (parallelism 1). For each micro-batch it embeds the clean images
 * with the current encoder (tagged with its version, the step count), then takes one training
 * step on the two views. Everything the trainer learned is one versioned blob in operator state;
 * a restore is verified bit for bit against that blob before processing resumes.
 */
public final class TrainerOperator extends AbstractStreamOperator<EmbeddingEvent>
        implements OneInputStreamOperator<MicroBatch, EmbeddingEvent>, BoundedOneInput {

    /** Where to report and what to inject; all optional. */
    public record Options(String runDir, long progressIntervalMs, long failAtStep) implements java.io.Serializable {}

    private final TrainerConfig config;
    private final Options options;
    private transient SslTrainer trainer;
    private transient ListState<byte[]> trainerState;
    private transient long lastProgress;
    private transient long checkpointsCompleted;
    private transient float lastLoss = Float.NaN;
    private transient Counter embedded;
    private transient Counter untrained;
    private transient java.io.BufferedWriter lossLog;

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
        MetricGroup metrics = getMetricGroup().addGroup("oxbow");
        metrics.gauge("loss", () -> lastLoss);
        metrics.gauge("step", () -> trainer.step());
        metrics.gauge("model_version", () -> trainer.step());
        metrics.gauge("learning_rate", () -> trainer.learningRate());
        metrics.gauge("train_images_per_s", () -> trainer.stats().imagesPerSecond());
        for (String buffer : trainer.method().bufferFill().keySet()) {
            metrics.gauge(buffer + "_fill", () -> trainer.method().bufferFill().get(buffer));
        }
        embedded = metrics.counter("images_embedded");
        untrained = metrics.counter("images_untrained");
        lastProgress = System.currentTimeMillis();
        if (options.runDir() != null) {
            Path dir = Files.createDirectories(Path.of(options.runDir()));
            lossLog = Files.newBufferedWriter(dir.resolve("losses.csv"), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
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
        emitEmbeddings(items, trainer.embed(clean, n));
        // BatchNorm needs two samples; a lone straggler is embedded but not trained.
        if (n >= 2) {
            lastLoss = trainer.train(view1, view2, n);
            logLoss();
        } else {
            untrained.inc(n);
        }
        maybeFail();
        maybeReportProgress();
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
                    .setModelVersion(trainer.step())
                    .setMethod(config.method())
                    .setEncoderName(config.encoder())
                    .setVector(vector)
                    .build(), items[i].eventTime));
        }
        embedded.inc(items.length);
    }

    /** One CSV line per step (step, loss, learning rate) in the run directory, for plots and tests. */
    private void logLoss() {
        if (lossLog != null) {
            try {
                lossLog.write(trainer.step() + "," + lastLoss + "," + trainer.learningRate() + "\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Test hook: one failure after a checkpoint, on the first attempt only. */
    private void maybeFail() {
        if (options.failAtStep() > 0 && trainer.step() >= options.failAtStep() && checkpointsCompleted > 0
                && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
            throw new IllegalStateException("injected failure at step " + trainer.step());
        }
    }

    private void maybeReportProgress() {
        long now = System.currentTimeMillis();
        if (now - lastProgress >= options.progressIntervalMs()) {
            lastProgress = now;
            StringBuilder line = new StringBuilder(String.format(
                    "progress steps=%d images_trained=%d loss=%.4f lr=%.4f train_images_per_s=%.1f",
                    trainer.step(), trainer.stats().imagesTrained(), lastLoss, trainer.learningRate(),
                    trainer.stats().imagesPerSecond()));
            for (Map.Entry<String, Long> b : trainer.method().bufferFill().entrySet()) {
                line.append(' ').append(b.getKey()).append('=').append(b.getValue());
            }
            System.err.println(line);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (lossLog != null) {
            lossLog.flush();
        }
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
        if (lossLog != null) {
            lossLog.close();
            lossLog = null;
        }
        if (trainer != null) {
            trainer.close();
            trainer = null;
        }
        super.close();
    }
}
