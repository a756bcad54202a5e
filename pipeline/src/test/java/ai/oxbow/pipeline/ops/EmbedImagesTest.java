package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.train.ViewBatch;
import ai.oxbow.schemas.EmbeddingEvent;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedder alone, with the arrival orders a MiniCluster run cannot force. */
class EmbedImagesTest {
    static final int SIZE = 16;
    static LabeledImages images;
    static byte[] v0;
    static byte[] v1;
    static final TrainerConfig TRAINER = TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, 8);

    @BeforeAll
    static void versions() {
        images = GeneratedImages.generate(10, SIZE, 1, 4);
        try (SslTrainer t = new SslTrainer(TRAINER)) {
            v0 = t.publishedSnapshot().encode();
            java.util.SplittableRandom random = new java.util.SplittableRandom(3);
            float[] a = new float[8 * SIZE * SIZE];
            float[] b = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextDouble();
                b[i] = (float) random.nextDouble();
            }
            t.train(ViewBatch.pair(a, b, 8, SIZE));
            t.publish();
            v1 = t.publishedSnapshot().encode();
        }
    }

    static ModelImage image(int i) {
        return new ModelImage("img-" + i, 1_000 + i, images.labels()[i], images.image(i));
    }

    static TwoInputStreamOperatorTestHarness<ModelImage, byte[], EmbeddingEvent> harness() throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(new EmbedImages(64, 60_000, TRAINER, 32));
    }

    static Map<String, Long> versionById(List<EmbeddingEvent> out) {
        return out.stream().collect(Collectors.toMap(EmbeddingEvent::getImageId, EmbeddingEvent::getModelVersion));
    }

    @Test
    void theEmbedderStartsWithTheTrainersVersionZeroAndANewVersionFlushesWithTheOldOneFirst() throws Exception {
        assertArrayEquals(v0, EncoderSnapshot.initial(TRAINER).encode(), "version 0 is built alike on both sides");
        try (var h = harness()) {
            h.open();
            h.processElement1(image(0), 0);
            h.processElement1(image(1), 0);
            h.processElement2(v0, 0); // the trainer's announcement of the version the embedder has: ignored
            h.processElement1(image(2), 0);
            h.processElement2(v1, 0);
            h.processElement1(image(3), 0);
            h.processElement2(v0, 0); // re-announced older version: ignored
            h.endInput1();
            h.endInput2();
            List<EmbeddingEvent> out = h.extractOutputValues();
            assertEquals(Map.of("img-0", 0L, "img-1", 0L, "img-2", 0L, "img-3", 1L), versionById(out));
            try (Embedder trainers = new Embedder(EncoderSnapshot.decode(v0))) {
                // The same batch the operator embedded (img-0 and img-1 waited together): the same bits.
                float[] expected = java.util.Arrays.copyOf(
                        trainers.embed(ModelImage.batch(List.of(image(0), image(1))), 2), trainers.dim());
                float[] got = new float[expected.length];
                for (int d = 0; d < got.length; d++) {
                    got[d] = out.get(0).getVector().get(d);
                }
                assertArrayEquals(expected, got, "img-0 embedded before the trainer's version 0 arrived, by it");
            }
        }
    }

    /** With SCAN on, a published version carries the head and every embedding it makes its cluster. */
    @Test
    void aVersionWithAScanHeadGivesEveryEmbeddingItsCluster() throws Exception {
        TrainerConfig.Builder b = TRAINER.toBuilder();
        b.scanClusters = 4;
        TrainerConfig scan = b.build();
        byte[] head;
        try (SslTrainer t = new SslTrainer(scan)) {
            assertArrayEquals(
                    EncoderSnapshot.initial(scan).encode(),
                    t.publishedSnapshot().encode(),
                    "version 0 has no head, on both sides");
            t.train(ViewBatch.pair(views(0), views(1), 8, SIZE));
            t.publish();
            head = t.publishedSnapshot().encode();
        }
        try (var h = new TwoInputStreamOperatorTestHarness<>(new EmbedImages(64, 60_000, scan, 32))) {
            h.open();
            h.processElement1(image(0), 0);
            h.processElement2(head, 0);
            for (int i = 1; i < 6; i++) {
                h.processElement1(image(i), 0);
            }
            h.endInput1();
            h.endInput2();
            List<EmbeddingEvent> out = h.extractOutputValues();
            assertEquals(-1, out.get(0).getClusterId(), "img-0, embedded by version 0: no cluster");
            EncoderSnapshot s = EncoderSnapshot.decode(head);
            try (Embedder e = new Embedder(s)) {
                List<ModelImage> rest = java.util.stream.IntStream.range(1, 6)
                        .mapToObj(EmbedImagesTest::image)
                        .toList();
                ai.oxbow.model.cluster.ClusterHead.Assignments want =
                        s.clusterHead().assign(e.embed(ModelImage.batch(rest), 5), 5);
                for (int i = 1; i < 6; i++) {
                    assertEquals(want.clusters()[i - 1], out.get(i).getClusterId(), "cluster of img-" + i);
                    assertEquals(want.probabilities()[i - 1], out.get(i).getClusterProbability());
                }
            }
        }
    }

    /** Eight random images of the trainer's size. */
    private static float[] views(long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] a = new float[8 * SIZE * SIZE];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble();
        }
        return a;
    }

    /** The trainer's last version may arrive before an embedder's last images: they must not be lost. */
    @Test
    void versionsEndingBeforeTheImagesLoseNothing() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement2(v1, 0);
            h.endInput2();
            for (int i = 0; i < 5; i++) {
                h.processElement1(image(i), 0);
            }
            h.endInput1();
            List<EmbeddingEvent> out = h.extractOutputValues();
            assertEquals(5, out.size());
            assertEquals(256, out.get(0).getDim());
            assertEquals(images.labels()[0], out.get(0).getLabel());
        }
    }

    @Test
    void waitingImagesAndTheCurrentVersionSurviveARestore() throws Exception {
        OperatorSubtaskState state;
        try (var h = harness()) {
            h.open();
            h.processElement2(v1, 0);
            h.processElement1(image(7), 0);
            h.processElement1(image(8), 0);
            state = h.snapshot(1, 1);
        }
        try (var h = harness()) {
            h.initializeState(state);
            h.open();
            h.endInput1();
            assertEquals(Map.of("img-7", 1L, "img-8", 1L), versionById(h.extractOutputValues()));
        }
    }

    /** Subtask 0 alone checkpoints the version (union state): N subtasks restore one copy, not N each. */
    @Test
    void aRestoreOfThreeSubtasksHoldsOneCopyOfTheVersionAndEachGetsIt() throws Exception {
        OperatorSubtaskState[] states = new OperatorSubtaskState[3];
        for (int i = 0; i < 3; i++) {
            try (var h = new TwoInputStreamOperatorTestHarness<>(new EmbedImages(64, 60_000, TRAINER, 32), 3, 3, i)) {
                h.open();
                h.processElement2(v1, 0);
                states[i] = h.snapshot(1, 1);
            }
        }
        long copies = 0;
        for (OperatorSubtaskState state : states) {
            for (OperatorStateHandle handle : state.getManagedOperatorState()) {
                copies += handle.getStateNameToPartitionOffsets()
                        .get("embedder-model")
                        .getOffsets()
                        .length;
            }
        }
        assertEquals(1, copies);
        OperatorSubtaskState all = AbstractStreamOperatorTestHarness.repackageState(states);
        for (int i = 0; i < 3; i++) {
            try (var h = new TwoInputStreamOperatorTestHarness<>(new EmbedImages(64, 60_000, TRAINER, 32), 3, 3, i)) {
                h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(all, 3, 3, 3, i));
                h.open();
                h.processElement1(image(i), 0);
                h.endInput1();
                assertEquals(Map.of("img-" + i, 1L), versionById(h.extractOutputValues()), "subtask " + i);
            }
        }
    }
}
