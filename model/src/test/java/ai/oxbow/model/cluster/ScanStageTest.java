package ai.oxbow.model.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.eval.Clustering;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import ai.oxbow.model.train.TrainerConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** SCAN on the stream: it learns clusters, its state restores bit for bit, its head is published. */
class ScanStageTest {
    static final int DIM = 16;
    static final int BLOBS = 3;

    /** Rows of three well-separated Gaussian blobs, labels the blob. */
    static float[] blobs(int n, long seed, int[] labels) {
        Random r = new Random(seed);
        float[] centres = new float[BLOBS * DIM];
        Random c = new Random(1);
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) c.nextGaussian() * 3;
        }
        float[] x = new float[n * DIM];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(BLOBS);
            for (int d = 0; d < DIM; d++) {
                x[i * DIM + d] = centres[labels[i] * DIM + d] + (float) r.nextGaussian() * 0.3f;
            }
        }
        return x;
    }

    @Test
    void neighboursPulledTogetherMakeTheBlobsClusters() {
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            ScanStage scan = new ScanStage(nd, DIM, BLOBS, false, 3);
            int[] testLabels = new int[600];
            float[] test = blobs(600, 99, testLabels);
            int[] labels = new int[64];
            double before = Clustering.accuracy(assign(scan, test), testLabels, BLOBS);
            assertTrue(
                    Float.isNaN(scan.train(nd.create(blobs(64, 0, labels), new Shape(64, DIM)), null, 0)),
                    "nothing to pair with before the bank has a row");
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 1; step < 400; step++) {
                try (NDManager batch = nd.newSubManager()) {
                    last = scan.train(batch.create(blobs(64, step, labels), new Shape(64, DIM)), null, step);
                }
                first = step == 1 ? last : first;
            }
            double after = Clustering.accuracy(assign(scan, test), testLabels, BLOBS);
            assertTrue(last < first, "the SCAN loss falls: " + first + " -> " + last);
            assertTrue(after > 0.95 && after > before, "accuracy " + before + " -> " + after);
            assertEquals(ScanStage.BANK, scan.bankFill());
        }
    }

    private static int[] assign(ScanStage scan, float[] features) {
        scan.publish();
        ClusterHead head = ClusterHead.of(scan.publishedTensors());
        return head.assign(features, features.length / DIM).clusters();
    }

    @Test
    void theHeadAssignsTheArgmaxOfItsSoftmax() {
        ClusterHead head = new ClusterHead(3, 2, new float[] {1, 0, 0, 1, -1, -1}, new float[] {0, 0.5f, 0});
        ClusterHead.Assignments a = head.assign(new float[] {2, 1, -3, -1}, 2);
        assertArrayEquals(new int[] {0, 2}, a.clusters());
        double z0 = Math.exp(2) + Math.exp(1.5) + Math.exp(-3);
        double z1 = Math.exp(-3) + Math.exp(-0.5) + Math.exp(4);
        assertEquals(Math.exp(2) / z0, a.probabilities()[0], 1e-6);
        assertEquals(Math.exp(4) / z1, a.probabilities()[1], 1e-6);
    }

    static TrainerConfig scanConfig(boolean selfLabel) {
        TrainerConfig.Builder b = TestData.config("simclr").toBuilder();
        b.scanClusters = 5;
        b.scanSelfLabel = selfLabel;
        return b.build();
    }

    @Test
    void aTrainerWithScanRestoresBitForBitAndPublishesItsHead() {
        try (SslTrainer a = new SslTrainer(scanConfig(true))) {
            for (int s = 0; s < 4; s++) {
                TestData.trainOn(a, s);
            }
            assertTrue(Float.isFinite(a.stats().scanLoss()));
            try (SslTrainer b = new SslTrainer(scanConfig(true).withSeed(7))) {
                b.restore(a.snapshot());
                assertEquals(TestData.entries(a), TestData.entries(b), "restore is exact");
                for (int s = 4; s < 7; s++) {
                    TestData.trainOn(a, s);
                    TestData.trainOn(b, s);
                    assertEquals(
                            Float.floatToRawIntBits(a.stats().scanLoss()),
                            Float.floatToRawIntBits(b.stats().scanLoss()),
                            "SCAN loss bits at step " + s);
                }
                assertEquals(TestData.entries(a), TestData.entries(b), "state after 3 more steps");
            }
            a.publish();
            EncoderSnapshot published =
                    EncoderSnapshot.decode(a.publishedSnapshot().encode());
            ClusterHead head = published.clusterHead();
            assertNotNull(head);
            assertEquals(5, head.clusters());
            assertEquals(a.embeddingDim(), head.dim());
            // The encoder part loads as before: the head's tensors are not the encoder's.
            try (SslTrainer c = new SslTrainer(TestData.config("simclr"))) {
                assertNull(c.publishedSnapshot().clusterHead());
                assertEquals(
                        c.publishedSnapshot().tensors().size(),
                        published.encoderTensors().size());
            }
        }
    }

    @Test
    void aStateWithoutScanIsRefusedByATrainerWithIt() {
        try (SslTrainer plain = new SslTrainer(TestData.config("simclr"));
                SslTrainer scan = new SslTrainer(scanConfig(false))) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> scan.restore(plain.snapshot()));
            assertTrue(e.getMessage().contains("scan_clusters"), e.getMessage());
        }
    }
}
