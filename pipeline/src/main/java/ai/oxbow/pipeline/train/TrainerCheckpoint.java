package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.Crc32c;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.pipeline.ops.ModelImage;

import org.apache.flink.api.common.state.ListState;

import java.util.ArrayList;
import java.util.List;

/**
 * The trainer in operator state: the learner's blob, the blob's CRC-32C, the job that wrote it,
 * and the images not yet admitted. A restore checks the checksum against the bytes read before the
 * learner sees them (the learner then checks them itself), and forks the trainer's lineage when
 * another job wrote them.
 */
final class TrainerCheckpoint {
    private final ListState<byte[]> blob;
    private final ListState<Long> checksum;
    private final ListState<String> writer;
    private final ListState<ModelImage> inbox;
    /** CRC-32C of the last blob saved, and of the one restored (-1: none). */
    private volatile long savedCrc = -1;
    private volatile long restoredCrc = -1;

    TrainerCheckpoint(ListState<byte[]> blob, ListState<Long> checksum, ListState<String> writer,
                      ListState<ModelImage> inbox) {
        this.blob = blob;
        this.checksum = checksum;
        this.writer = writer;
        this.inbox = inbox;
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

    /** The images the restored trainer had not admitted yet. */
    List<ReplayItem> restoredInbox() throws Exception {
        return all(inbox).stream().map(TrainerCheckpoint::item).toList();
    }

    /** Saves the learner (call between two steps) and the images not admitted yet. */
    void save(StreamLearner learner, List<ReplayItem> pending, String jobId) throws Exception {
        byte[] bytes = learner.snapshot();
        long crc = Crc32c.of(bytes);
        blob.update(List.of(bytes));
        checksum.update(List.of(crc));
        writer.update(List.of(jobId));
        savedCrc = crc;
        inbox.update(pending.stream().map(i -> new ModelImage(i.id(), i.eventTime(), i.label(), i.pixels())).toList());
    }

    static ReplayItem item(ModelImage img) {
        return new ReplayItem(img.id, img.eventTime, img.label, img.chw);
    }

    long savedCrc() {
        return savedCrc;
    }

    long restoredCrc() {
        return restoredCrc;
    }

    private static <T> List<T> all(ListState<T> state) throws Exception {
        List<T> out = new ArrayList<>();
        state.get().forEach(out::add);
        return out;
    }
}
