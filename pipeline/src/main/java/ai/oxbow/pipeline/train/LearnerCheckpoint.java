package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.Crc32c;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.train.SslTrainer;

import org.apache.flink.api.common.state.ListState;

import java.util.ArrayList;
import java.util.List;

/**
 * The learner in operator state: its blob, the blob's CRC-32C and the job that wrote it. A restore
 * checks the checksum against the bytes read before the learner sees them (the learner then checks
 * them itself), and forks the trainer's lineage when another job wrote them.
 */
final class LearnerCheckpoint {
    private final ListState<byte[]> blob;
    private final ListState<Long> checksum;
    private final ListState<String> writer;
    /** CRC-32C of the last blob saved, and of the one restored (-1: none). */
    private volatile long savedCrc = -1;
    private volatile long restoredCrc = -1;

    LearnerCheckpoint(ListState<byte[]> blob, ListState<Long> checksum, ListState<String> writer) {
        this.blob = blob;
        this.checksum = checksum;
        this.writer = writer;
    }

    /**
     * Restores the learner from the blob of a checkpoint, if it holds one.
     *
     * @return the trainer event that says what was restored, or null when nothing was
     */
    String restore(StreamLearner learner, SslTrainer trainer, long checkpoint, String jobId) throws Exception {
        List<byte[]> stored = all(blob);
        if (stored.size() > 1) {
            throw new IllegalStateException("trainer state must be one blob, found " + stored.size()
                    + " (was the trainer's parallelism changed from 1?)");
        }
        if (stored.isEmpty()) {
            return null;
        }
        long start = System.nanoTime();
        byte[] bytes = stored.get(0);
        long crc = Crc32c.of(bytes);
        List<Long> recorded = all(checksum);
        if (!recorded.isEmpty() && recorded.get(0) != crc) {
            throw new CorruptStateException(String.format("trainer state of checkpoint %d is corrupt: CRC-32C %08x,"
                    + " recorded at snapshot %08x; refusing to restore it", checkpoint, crc, recorded.get(0)));
        }
        RestoreReport report = learner.restore(bytes);
        List<String> writers = all(writer);
        String forked = "";
        if (!writers.equals(List.of(jobId))) {
            trainer.fork();
            forked = " forked from job " + (writers.isEmpty() ? "(unrecorded)" : writers.get(0));
        }
        restoredCrc = crc;
        return String.format("restored step=%d bytes=%d crc32c=%08x checksum=%s decoded=%s in %d ms lineage=%d%s",
                report.step(), bytes.length, crc, recorded.isEmpty() ? "none-recorded" : "verified", report.decoded(),
                (System.nanoTime() - start) / 1_000_000, trainer.lineage(), forked);
    }

    /** Saves the learner (call between two steps). */
    void save(StreamLearner learner, String jobId) throws Exception {
        byte[] bytes = learner.snapshot();
        long crc = Crc32c.of(bytes);
        blob.update(List.of(bytes));
        checksum.update(List.of(crc));
        writer.update(List.of(jobId));
        savedCrc = crc;
    }

    long savedCrc() {
        return savedCrc;
    }

    long restoredCrc() {
        return restoredCrc;
    }

    static <T> List<T> all(ListState<T> state) throws Exception {
        List<T> out = new ArrayList<>();
        state.get().forEach(out::add);
        return out;
    }
}
