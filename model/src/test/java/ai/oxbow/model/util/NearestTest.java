package ai.oxbow.model.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class NearestTest {
    @Test
    void namesTheClosestKnownNameOnlyWhenItIsClose() {
        List<String> known = List.of("batch", "queue_size", "support_size");
        assertEquals(" (did you mean 'batch'?)", Nearest.hint("btach", known));
        assertEquals(" (did you mean 'queue_size'?)", Nearest.hint("queue_sise", known));
        assertEquals("", Nearest.hint("x", known));
        assertEquals("", Nearest.hint("temperature", known));
    }

    @Test
    void distanceCountsTranspositionsAsOneEdit() {
        assertEquals(1, Nearest.distance("btach", "batch"));
        assertEquals(3, Nearest.distance("kitten", "sitting"));
        assertEquals(0, Nearest.distance("", ""));
    }
}
