package ai.oxbow.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.pipeline.train.TrainerOptions.Pace;

import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.Test;

import java.util.List;

class PacedInboxTest {
    /** Capacity 4; u = 2 and B = 8: four events pay for a step. */
    static final ReplayConfig REPLAY = new ReplayConfig("fifo", 4, 2, 0.5, 8, 3);

    private static ReplayItem item(int i) {
        return new ReplayItem("img-" + i, i, 0, new byte[1]);
    }

    private static List<String> ids(List<ReplayItem> items) {
        return items.stream().map(ReplayItem::id).toList();
    }

    @Test
    void samplingKeepsTheNewestBufferWorthAndCountsTheDropped() throws InterruptedException {
        SimpleCounter dropped = new SimpleCounter();
        PacedInbox inbox = new PacedInbox(Pace.SAMPLE, REPLAY, dropped);
        for (int i = 0; i < 6; i++) {
            inbox.offer(item(i), () -> false);
        }
        assertEquals(2, dropped.getCount());
        assertEquals(List.of("img-2", "img-3", "img-4", "img-5"), ids(inbox.take()));
        assertEquals(List.of("img-2", "img-3", "img-4", "img-5"), ids(inbox.pending()), "taken, not admitted yet");
        inbox.admitted();
        assertEquals(List.of(), inbox.pending());
    }

    @Test
    void backPressureReleasesNothingBeforeAStepsEventsAndAllOfThemAtTheEnd() throws InterruptedException {
        PacedInbox inbox = new PacedInbox(Pace.BACKPRESSURE, REPLAY, new SimpleCounter());
        for (int i = 0; i < 3; i++) {
            inbox.offer(item(i), () -> false);
        }
        assertEquals(List.of(), inbox.take(), "three events pay for no step");
        assertEquals(3, inbox.size());
        // The end of input releases the last events, fewer than a step's.
        inbox.releaseRest();
        assertEquals(List.of("img-0", "img-1", "img-2"), ids(inbox.take()));
    }

    @Test
    void backPressureWaitsForTheStepsEventsUnlessTheTrainingThreadFailed() throws InterruptedException {
        PacedInbox inbox = new PacedInbox(Pace.BACKPRESSURE, REPLAY, new SimpleCounter());
        for (int i = 0; i < 4; i++) {
            // With a failed training thread the fourth event returns at once instead of waiting for idle.
            inbox.offer(item(i), () -> true);
        }
        assertEquals(List.of("img-0", "img-1", "img-2", "img-3"), ids(inbox.take()));
    }
}
