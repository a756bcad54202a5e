package ai.oxbow.pipeline.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.local.LocalFlink;
import ai.oxbow.schemas.EmbeddingEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index sink in a real Flink MiniCluster: a failover mid-stream loses and duplicates nothing. */
class IndexSinkTest {
    static final int IMAGES = 600;
    static final int VERSIONS = 3;

    static final AtomicInteger FAILURES = new AtomicInteger();

    /** Image i as embedded by version i % 3: a random vector of its own. */
    static EmbeddingEvent embedding(long i) {
        SplittableRandom random = new SplittableRandom(i);
        List<Float> vector = new ArrayList<>();
        for (int d = 0; d < 8; d++) {
            vector.add((float) random.nextGaussian());
        }
        return EmbeddingEvent.newBuilder()
                .setImageId("img-" + i)
                .setEventTime(Instant.ofEpochMilli(i))
                .setModelVersion(i % VERSIONS)
                .setMethod("simclr")
                .setEncoderName("small-cnn")
                .setDim(8)
                .setLabel((int) (i % 10))
                .setVector(vector)
                .build();
    }

    /**
     * Paces the stream so checkpoints fall inside it, and fails the first attempt once half the
     * images have passed and a checkpoint has completed (so the restart restores one).
     */
    static final class Embeddings extends RichMapFunction<Long, EmbeddingEvent> implements CheckpointListener {
        private transient volatile boolean checkpointed;

        @Override
        public EmbeddingEvent map(Long i) throws InterruptedException {
            Thread.sleep(5);
            if (i >= IMAGES / 2
                    && checkpointed
                    && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("injected failure at image " + i);
            }
            return embedding(i);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }

    @Test
    void commitsEveryEmbeddingOnceAcrossAFailover(@TempDir Path dir) throws Exception {
        Path index = dir.resolve("index");
        Configuration conf = new Configuration();
        OxbowJob.set(conf, "execution.checkpointing.interval", "500 ms");
        OxbowJob.set(
                conf,
                "execution.checkpointing.dir",
                dir.resolve("checkpoints").toUri().toString());
        OxbowJob.set(conf, "restart-strategy.type", "fixed-delay");
        OxbowJob.set(conf, "restart-strategy.fixed-delay.attempts", "2");
        OxbowJob.set(conf, "restart-strategy.fixed-delay.delay", "100 ms");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSequence(0, IMAGES - 1)
                .map(new Embeddings())
                .transform(
                        "index",
                        TypeInformation.of(Void.class),
                        new IndexSink(new LuceneTarget.Spec(index.toString())));
        try (LocalFlink flink = LocalFlink.start(0, "9400-9499", 1)) {
            JobID job = flink.submit(env);
            flink.await(job);
        }
        assertEquals(1, FAILURES.get(), "the job failed over once");
        try (VectorSearch search = new VectorSearch(index)) {
            assertEquals(Map.of(0L, 200L, 1L, 200L, 2L, 200L), search.versions());
            assertTrue(search.committedCheckpoint() > 1, "commits carry their checkpoint ids");
            for (long i : new long[] {0, 299, 300, 599}) {
                EmbeddingEvent e = embedding(i);
                VectorSearch.Hit top = search.search(VectorDoc.of(e).vector(), 1, e.getModelVersion())
                        .get(0);
                assertEquals(e.getImageId(), top.imageId());
                assertEquals(e.getLabel(), top.label());
            }
        }
    }
}
