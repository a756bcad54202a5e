package ai.oxbow.model.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.state.EncoderCodec;
import ai.oxbow.model.state.LearnerCodec;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.state.TrainerCodec;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import ai.oxbow.model.train.TrainerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * State written by earlier formats, kept as test resources (src/test/resources/compat, see its
 * README): learner format 2 holding trainer format 1, and encoder snapshot format 1. Each later
 * format must restore them or refuse them by version.
 */
class CompatibilityTest {
    /** The configuration the fixtures were written with. */
    static final TrainerConfig TRAINER =
            TestData.config("simclr").withOptions(Map.of("projector_hidden", "32", "projector_out", "16"));

    static byte[] resource(String name) throws IOException {
        try (InputStream in = CompatibilityTest.class.getResourceAsStream("/compat/" + name)) {
            return in.readAllBytes();
        }
    }

    private static StreamLearner learner(SslTrainer trainer) {
        return new StreamLearner(trainer, StreamLearnerTest.AUGMENTER, StreamLearnerTest.replay("fifo", 1.5), 0);
    }

    @Test
    void learnerFormat2WithTrainerFormat1Restores() throws IOException {
        byte[] v2 = resource("learner-v2.bin");
        assertEquals(2, ByteBuffer.wrap(v2).getInt(4));
        byte[] trainerV1 = Arrays.copyOfRange(v2, 12, 12 + ByteBuffer.wrap(v2).getInt(8));
        assertEquals(
                new TrainerCodec.Header(1, "simclr", "small-cnn", 1, TestData.SIZE), TrainerCodec.header(trainerV1));
        EncoderSnapshot published = EncoderSnapshot.decode(resource("encoder-v1.oxm"));
        try (SslTrainer a = new SslTrainer(TRAINER);
                StreamLearner restored = learner(a);
                SslTrainer b = new SslTrainer(TRAINER);
                StreamLearner again = learner(b)) {
            assertEquals(RestoreReport.Kind.OLDER_FORMAT, restored.restore(v2).kind());
            assertEquals(26, restored.bufferSize());
            assertTrue(a.steps() > 0);
            assertEquals(0, a.lineage(), "a format-1 trainer never forked");
            // The encoder file was published from the same trainer right before the learner was saved.
            assertEquals(published.version(), a.publishedVersion());
            EncoderSnapshot now = a.publishedSnapshot();
            for (int i = 0; i < published.tensors().size(); i++) {
                assertArrayEquals(
                        published.tensors().get(i).data(), now.tensors().get(i).data());
            }
            byte[] current = restored.snapshot();
            again.restore(current);
            assertArrayEquals(current, again.snapshot(), "rewritten in today's format, it restores bitwise");
            assertEquals(Float.floatToRawIntBits(restored.trainStep()), Float.floatToRawIntBits(again.trainStep()));
        }
    }

    @Test
    void encoderSnapshotFormat1DecodesAndRoundTripsThroughTodaysFormats() throws IOException {
        EncoderSnapshot v1 = EncoderSnapshot.decode(resource("encoder-v1.oxm"));
        assertEquals("simclr", v1.method());
        assertEquals(TestData.SIZE, v1.size());
        // Format 2 is format 3's layout without a cluster head: today's bytes marked 2 still decode.
        byte[] today = v1.encode();
        ByteBuffer.wrap(today).putInt(4, 2);
        EncoderSnapshot v2 = EncoderSnapshot.decode(today);
        assertEquals(v1.version(), v2.version());
        assertArrayEquals(v1.mean(), v2.mean());
        assertArrayEquals(v1.std(), v2.std());
        for (int i = 0; i < v1.tensors().size(); i++) {
            assertEquals(v1.tensors().get(i).name(), v2.tensors().get(i).name());
            assertArrayEquals(v1.tensors().get(i).shape(), v2.tensors().get(i).shape());
            assertArrayEquals(v1.tensors().get(i).data(), v2.tensors().get(i).data());
        }
    }

    @Test
    void aNewerFormatOfEachBlobIsRefusedByVersion() throws IOException {
        byte[] learnerBlob = resource("learner-v2.bin");
        ByteBuffer.wrap(learnerBlob).putInt(4, LearnerCodec.FORMAT_VERSION + 1);
        try (SslTrainer t = new SslTrainer(TRAINER);
                StreamLearner l = learner(t)) {
            byte[] before = l.snapshot();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.restore(learnerBlob));
            assertEquals(
                    "learner state format 4 is newer than this Oxbow reads (3): upgrade Oxbow to restore it",
                    e.getMessage());
            assertArrayEquals(before, l.snapshot());
        }
        byte[] encoder = resource("encoder-v1.oxm");
        ByteBuffer.wrap(encoder).putInt(4, EncoderCodec.FORMAT_VERSION + 1);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> EncoderSnapshot.decode(encoder));
        assertTrue(
                e.getMessage().startsWith("encoder snapshot format " + (EncoderCodec.FORMAT_VERSION + 1) + " is newer"),
                e.getMessage());
    }

    @Test
    void aLearnerOfAnotherReplayOrAugmentationIsRefusedNamingTheField() {
        try (SslTrainer a = new SslTrainer(TRAINER);
                StreamLearner source = learner(a);
                SslTrainer b = new SslTrainer(TRAINER);
                StreamLearner reservoir = new StreamLearner(
                        b, StreamLearnerTest.AUGMENTER, StreamLearnerTest.replay("reservoir", 1.5), 0);
                SslTrainer c = new SslTrainer(TRAINER);
                StreamLearner moreUpdates =
                        new StreamLearner(c, StreamLearnerTest.AUGMENTER, StreamLearnerTest.replay("fifo", 4), 0)) {
            source.admit(StreamLearnerTest.items(0, 20));
            StreamLearnerTest.trainWhileDue(source);
            byte[] blob = source.snapshot();
            byte[] before = reservoir.snapshot();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reservoir.restore(blob));
            assertTrue(e.getMessage().contains("replay.policy: stored fifo, now reservoir"), e.getMessage());
            assertArrayEquals(before, reservoir.snapshot());
            RestoreReport report = moreUpdates.restore(blob);
            assertEquals(20, moreUpdates.bufferSize(), "updates per event may change across a restore");
            assertEquals("reconfigured[replay.updates_per_event]", report.decoded());
        }
    }
}
