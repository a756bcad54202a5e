package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.state.GroupCodec.Partition;
import ai.oxbow.model.state.GroupCodec.RankEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A rank's share of a trainer group saved with another number of ranks (the learner's buffers
 * are shared out by the model, {@code StreamLearner#restoreGroup}): the images the ranks had read
 * and not admitted, dealt out one by one, and where its reader starts so that every record is
 * read by exactly one rank of the new group: from the least position of the old ranks, passing
 * over the offsets an old rank had consumed beyond it.
 */
final class Rescale {
    private Rescale() {}

    static List<ReplayItem> pending(List<RankEntry> saved, int rank, int ranks) {
        List<ReplayItem> all = new ArrayList<>();
        int longest = saved.stream().mapToInt(r -> r.pending().size()).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (RankEntry r : saved) {
                if (i < r.pending().size()) {
                    all.add(r.pending().get(i));
                }
            }
        }
        List<ReplayItem> mine = new ArrayList<>();
        for (int i = rank; i < all.size(); i += ranks) {
            mine.add(all.get(i));
        }
        return mine;
    }

    /** The same for every new rank: each reads its own share from there. */
    static Map<Integer, Partition> positions(List<RankEntry> saved) {
        Map<Integer, Partition> out = new TreeMap<>();
        // Every partition any rank read: a rank without a position in one is refused, not passed over.
        TreeSet<Integer> partitions = new TreeSet<>();
        saved.forEach(r -> partitions.addAll(r.partitions().keySet()));
        for (int partition : partitions) {
            long start = Long.MAX_VALUE;
            for (RankEntry r : saved) {
                start = Math.min(start, position(r, partition).next());
            }
            TreeSet<Long> consumed = new TreeSet<>();
            for (RankEntry r : saved) {
                Partition p = position(r, partition);
                for (long o : p.skipped()) {
                    consumed.add(o);
                }
                for (long o = start; o < p.next(); o++) {
                    if (TrainerReader.share(partition, o, r.rank(), r.ranks())) {
                        consumed.add(o);
                    }
                }
            }
            long from = start;
            long[] skipped = consumed.stream()
                    .filter(o -> o >= from)
                    .mapToLong(Long::longValue)
                    .toArray();
            out.put(
                    partition,
                    new Partition(start, position(saved.get(0), partition).end(), skipped));
        }
        return out;
    }

    private static Partition position(RankEntry r, int partition) {
        Partition p = r.partitions().get(partition);
        if (p == null) {
            throw new IllegalStateException(
                    "rank " + r.rank() + " of the saved trainer group has no position in" + " partition " + partition);
        }
        return p;
    }
}
