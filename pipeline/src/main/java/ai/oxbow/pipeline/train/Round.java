package ai.oxbow.pipeline.train;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.TreeSet;

/**
 * What the ranks of a trainer group tell each other between two steps, and what every rank
 * decides from all of it alike (so they never disagree): take a cut for the checkpoints any rank
 * was asked for, publish when rank 0 says a version is due, train a step when every rank is due,
 * stop when no rank can get another image and not all are due.
 */
final class Round {
    private Round() {}

    /**
     * @param due       this rank has the credit and the images for a step
     * @param exhausted this rank will get no more images (the end of a bounded stream)
     * @param request   a checkpoint this rank was asked for and has no cut of, or -1
     * @param publish   rank 0 only: a new encoder version is due
     */
    record Header(boolean due, boolean exhausted, long request, boolean publish) {
        byte[] encode() {
            return ByteBuffer.allocate(11)
                    .put((byte) (due ? 1 : 0))
                    .put((byte) (exhausted ? 1 : 0))
                    .putLong(request)
                    .put((byte) (publish ? 1 : 0))
                    .array();
        }

        static Header decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new Header(b.get() == 1, b.get() == 1, b.getLong(), b.get() == 1);
        }
    }

    /** @param cuts the checkpoints to take a cut for now (the same cut for all) */
    record Decision(TreeSet<Long> cuts, boolean publish, boolean step, boolean finished) {}

    /** The decision from every rank's header, by rank. */
    static Decision decide(List<Header> all) {
        TreeSet<Long> cuts = new TreeSet<>();
        all.stream().filter(h -> h.request() >= 0).forEach(h -> cuts.add(h.request()));
        boolean step = all.stream().allMatch(Header::due);
        boolean finished = !step && all.stream().allMatch(Header::exhausted);
        return new Decision(cuts, all.get(0).publish(), step, finished);
    }
}
