package ai.oxbow.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.state.GroupCodec.Partition;
import ai.oxbow.model.state.GroupCodec.RankEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A group of another size reads every record exactly once: what the old ranks left, and only that. */
class RescaleTest {
    private static RankEntry rank(int r, int ranks, long next, long[] skipped, String... pending) {
        List<ReplayItem> items = new ArrayList<>();
        for (String id : pending) {
            items.add(new ReplayItem(id, 0, 0, new byte[1]));
        }
        return new RankEntry(r, ranks, 5, new byte[0], items, Map.of(0, new Partition(next, 100, skipped)));
    }

    /** The offsets of [0, end) a new group reads from these positions, rank by rank. */
    private static List<TreeSet<Long>> read(Map<Integer, Partition> start, int ranks, long end) {
        List<TreeSet<Long>> out = new ArrayList<>();
        Partition p = start.get(0);
        for (int r = 0; r < ranks; r++) {
            TreeSet<Long> mine = new TreeSet<>();
            for (long o = p.next(); o < end; o++) {
                if (TrainerReader.share(0, o, r, ranks) && java.util.Arrays.binarySearch(p.skipped(), o) < 0) {
                    mine.add(o);
                }
            }
            out.add(mine);
        }
        return out;
    }

    @Test
    void twoRanksToOneAndBackReadEachRecordOnce() {
        // Two ranks: rank 0 read up to offset 10 (its evens), rank 1 up to 7 (its odds).
        List<RankEntry> two = List.of(rank(0, 2, 10, new long[0], "a", "c"), rank(1, 2, 7, new long[0], "b"));
        Map<Integer, Partition> one = Rescale.positions(two);
        assertEquals(7, one.get(0).next());
        assertArrayEquals(new long[] {8}, one.get(0).skipped(), "offset 8 was rank 0's already");
        TreeSet<Long> consumed = new TreeSet<>();
        for (long o = 0; o < 10; o++) {
            if (o % 2 == 0 || o < 7) {
                consumed.add(o);
            }
        }
        TreeSet<Long> rest = read(one, 1, 20).get(0);
        TreeSet<Long> all = new TreeSet<>(consumed);
        all.addAll(rest);
        assertEquals(20, all.size(), "together they cover every offset");
        rest.retainAll(consumed);
        assertTrue(rest.isEmpty(), "and none twice: " + rest);
        assertEquals(
                List.of("a", "b", "c"),
                Rescale.pending(two, 0, 1).stream().map(ReplayItem::id).toList());

        // One rank at 12 with 8 still ahead passed over, to two ranks.
        List<RankEntry> single = List.of(rank(0, 1, 7, new long[] {8}));
        List<TreeSet<Long>> back = read(Rescale.positions(single), 2, 20);
        assertEquals(
                new TreeSet<>(List.of(10L, 12L, 14L, 16L, 18L)), back.get(0).tailSet(10L));
        assertFalse(back.get(0).contains(8L), "8 was consumed before the rescale");
        assertTrue(back.get(1).contains(7L));
    }

    @Test
    void aRankWithoutAPositionIsRefusedWhicheverRankItIs() {
        RankEntry read = rank(1, 2, 7, new long[0], "b");
        RankEntry none = new RankEntry(0, 2, 5, new byte[0], List.of(), Map.of());
        // Passing over the partition would have the new group read rank 1's records again.
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> Rescale.positions(List.of(none, read)));
        assertTrue(e.getMessage().contains("rank 0"), e.getMessage());
    }
}
