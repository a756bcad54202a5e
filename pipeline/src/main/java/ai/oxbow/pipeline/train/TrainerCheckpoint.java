package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.state.CorruptStateException;
import ai.oxbow.model.state.Crc32c;
import ai.oxbow.model.state.GroupCodec;
import ai.oxbow.model.state.GroupCodec.ModelEntry;
import ai.oxbow.model.state.GroupCodec.Partition;
import ai.oxbow.model.state.GroupCodec.RankEntry;
import ai.oxbow.model.state.RestoreReport;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.pipeline.ops.ModelImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The trainer group in operator state, as union lists every rank reads back whole, so that a group
 * of another size can share it out: the trainer, which every rank holds the same, written once by
 * rank 0 ({@link ModelEntry}, with the CRC-32C of its blob), and each rank's learner, unadmitted
 * images and reader positions ({@link RankEntry}). A restore refuses entries of different steps,
 * a missing rank, or a trainer blob whose checksum is not the one recorded, before the learner sees
 * anything; restored into another job, the trainer's lineage forks.
 *
 * <p>Checkpoints of Oxbow before trainer groups hold one learner blob with its checksum, writer and
 * inbox in split lists; they restore into one trainer.
 */
public final class TrainerCheckpoint {
    public static final String MODEL = "trainer-group-model";
    static final String RANKS = "trainer-group-ranks";
    private final ListState<byte[]> model;
    private final ListState<byte[]> ranks;
    private final Legacy legacy;
    /** CRC-32C of the trainer blob last saved (rank 0), and of the one restored (-1: none). */
    private volatile long savedCrc = -1;

    private volatile long restoredCrc = -1;

    private Histogram waitMs;
    private Histogram saveMs;
    private List<ReplayItem> restoredPending = List.of();
    private Map<Integer, Partition> restoredPositions = Map.of();

    /** The layout of one trainer's checkpoint before trainer groups. */
    private record Legacy(
            ListState<byte[]> blob, ListState<Long> checksum, ListState<String> writer, ListState<ModelImage> inbox) {}

    TrainerCheckpoint(OperatorStateStore store) throws Exception {
        var bytes = PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        model = store.getUnionListState(new ListStateDescriptor<>(MODEL, bytes));
        ranks = store.getUnionListState(new ListStateDescriptor<>(RANKS, bytes));
        legacy = new Legacy(
                store.getListState(new ListStateDescriptor<>("trainer-state", bytes)),
                store.getListState(new ListStateDescriptor<>("trainer-state-crc32c", Long.class)),
                store.getListState(new ListStateDescriptor<>("trainer-job-id", String.class)),
                store.getListState(new ListStateDescriptor<>("trainer-inbox", TypeInformation.of(ModelImage.class))));
    }

    /**
     * Restores rank {@code rank} of a group of {@code group} from the checkpoint, if it holds a trainer.
     *
     * @return the trainer event that says what was restored, or null when nothing was
     */
    String restore(StreamLearner learner, SslTrainer trainer, int rank, int group, long checkpoint, String jobId)
            throws Exception {
        List<byte[]> models = all(model);
        List<byte[]> rankBlobs = all(ranks);
        if (models.isEmpty() && rankBlobs.isEmpty()) {
            return restoreLegacy(learner, trainer, group, checkpoint, jobId);
        }
        long start = System.nanoTime();
        if (models.size() != 1) {
            throw new CorruptStateException("trainer state of checkpoint " + checkpoint + " holds " + models.size()
                    + " trainers; a trainer group saves one");
        }
        ModelEntry m = GroupCodec.decodeModel(models.get(0));
        long crc = Crc32c.of(m.trainer());
        if (crc != m.trainerCrc()) {
            throw new CorruptStateException(String.format(
                    "trainer state of checkpoint %d is corrupt: CRC-32C %08x,"
                            + " recorded at snapshot %08x; refusing to restore it",
                    checkpoint, crc, m.trainerCrc()));
        }
        List<RankEntry> saved = byRank(rankBlobs, m, checkpoint);
        RestoreReport report = learner.restoreGroup(
                m.trainer(), saved.stream().map(RankEntry::learner).toList(), rank, group);
        if (saved.size() == group) {
            restoredPending = saved.get(rank).pending();
            restoredPositions = saved.get(rank).partitions();
        } else {
            restoredPending = Rescale.pending(saved, rank, group);
            restoredPositions = Rescale.positions(saved);
        }
        String forked = fork(trainer, m.writerJob(), jobId);
        restoredCrc = crc;
        return String.format(
                "restored step=%d bytes=%d crc32c=%08x checksum=verified decoded=%s ranks=%d->%d"
                        + " in %d ms lineage=%d%s",
                report.step(),
                m.trainer().length,
                crc,
                report.decoded(),
                saved.size(),
                group,
                (System.nanoTime() - start) / 1_000_000,
                trainer.lineage(),
                forked);
    }

    /** The saved ranks in rank order, refusing a missing or repeated rank and ranks of another step. */
    private static List<RankEntry> byRank(List<byte[]> blobs, ModelEntry m, long checkpoint) {
        RankEntry[] byRank = new RankEntry[m.ranks()];
        for (byte[] blob : blobs) {
            RankEntry r = GroupCodec.decodeRank(blob);
            if (r.ranks() != m.ranks() || byRank[r.rank()] != null || r.step() != m.step()) {
                throw new CorruptStateException("trainer state of checkpoint " + checkpoint + " is inconsistent: rank "
                        + r.rank() + " of " + r.ranks() + " at step " + r.step() + " beside a trainer of " + m.ranks()
                        + " ranks at step " + m.step() + (byRank[r.rank()] != null ? " (saved twice)" : ""));
            }
            byRank[r.rank()] = r;
        }
        for (int r = 0; r < byRank.length; r++) {
            if (byRank[r] == null) {
                throw new CorruptStateException(
                        "trainer state of checkpoint " + checkpoint + " lacks rank " + r + " of " + m.ranks());
            }
        }
        return Arrays.asList(byRank);
    }

    private String restoreLegacy(StreamLearner learner, SslTrainer trainer, int group, long checkpoint, String jobId)
            throws Exception {
        List<byte[]> stored = all(legacy.blob());
        if (stored.isEmpty()) {
            return null;
        }
        if (stored.size() > 1 || group > 1) {
            throw new IllegalStateException("checkpoint " + checkpoint + " holds the state of one trainer of an Oxbow"
                    + " before trainer groups: restore it with --trainer-parallelism 1, then rescale from a savepoint");
        }
        long start = System.nanoTime();
        byte[] bytes = stored.get(0);
        long crc = Crc32c.of(bytes);
        List<Long> recorded = all(legacy.checksum());
        if (!recorded.isEmpty() && recorded.get(0) != crc) {
            throw new CorruptStateException(String.format(
                    "trainer state of checkpoint %d is corrupt: CRC-32C %08x,"
                            + " recorded at snapshot %08x; refusing to restore it",
                    checkpoint, crc, recorded.get(0)));
        }
        RestoreReport report = learner.restore(bytes);
        List<String> writers = all(legacy.writer());
        String forked = fork(trainer, writers.isEmpty() ? null : writers.get(0), jobId);
        restoredPending =
                all(legacy.inbox()).stream().map(TrainerCheckpoint::item).toList();
        restoredCrc = crc;
        return String.format(
                "restored step=%d bytes=%d crc32c=%08x checksum=%s decoded=%s in %d ms lineage=%d%s",
                report.step(),
                bytes.length,
                crc,
                recorded.isEmpty() ? "none-recorded" : "verified",
                report.decoded(),
                (System.nanoTime() - start) / 1_000_000,
                trainer.lineage(),
                forked);
    }

    /** A state restored into another job trains on as a fork of the one that wrote it. */
    private static String fork(SslTrainer trainer, String writer, String jobId) {
        if (jobId.equals(writer)) {
            return "";
        }
        trainer.fork();
        return " forked from job " + (writer == null ? "(unrecorded)" : writer);
    }

    /** The images the restored rank had read and not admitted. */
    List<ReplayItem> restoredPending() {
        return restoredPending;
    }

    /** Where the restored rank's reader stood. */
    Map<Integer, Partition> restoredPositions() {
        return new TreeMap<>(restoredPositions);
    }

    /**
     * The checkpoint's metrics: the CRC-32C of the trainer saved and of the one restored, and per
     * checkpoint the milliseconds it waited for its cut and spent saving it.
     */
    void metrics(MetricGroup group) {
        group.gauge("trainer_state_crc32c", () -> savedCrc);
        group.gauge("trainer_restored_crc32c", () -> restoredCrc);
        waitMs = group.histogram("trainer_snapshot_wait_ms", new DescriptiveStatisticsHistogram(1000));
        saveMs = group.histogram("trainer_snapshot_encode_ms", new DescriptiveStatisticsHistogram(1000));
    }

    /** Saves this rank's part of a cut (rank 0 also the trainer) asked for at {@code askedNanos}. */
    void save(TrainingLoop.Cut cut, long askedNanos, int rank, int group, String jobId) throws Exception {
        long start = System.nanoTime();
        waitMs.update((start - askedNanos) / 1_000_000);
        if (rank == 0) {
            long crc = Crc32c.of(cut.trainer());
            model.update(List.of(GroupCodec.encode(new ModelEntry(cut.step(), group, jobId, crc, cut.trainer()))));
            savedCrc = crc;
        } else {
            model.update(List.of());
        }
        ranks.update(List.of(GroupCodec.encode(new RankEntry(
                rank,
                group,
                cut.step(),
                cut.learner(),
                cut.inbox().pending(),
                cut.inbox().positions()))));
        legacy.blob().update(List.of());
        legacy.checksum().update(List.of());
        legacy.writer().update(List.of());
        legacy.inbox().update(List.of());
        saveMs.update((System.nanoTime() - start) / 1_000_000);
    }

    static ReplayItem item(ModelImage img) {
        return new ReplayItem(img.id, img.eventTime, img.label, img.chw);
    }

    private static <T> List<T> all(ListState<T> state) throws Exception {
        List<T> out = new ArrayList<>();
        state.get().forEach(out::add);
        return out;
    }
}
