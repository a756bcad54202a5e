package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.pipeline.FuzzEvents;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.io.RawRecord;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * 100,000 fuzzed events through the decode step: none throws, each becomes exactly one decoded
 * image or one dead letter with its reason, and every legal image (valid, or only an odd clock)
 * is decoded.
 */
class DecoderFuzzTest {
    static final int EVENTS = 100_000;

    @Test
    void everyFuzzedEventIsDecodedOrDeadLetteredOnceAndLegalImagesDecode() {
        ImageDecoder decoder = new ImageDecoder(4_000_000, 8_000_000);
        FuzzEvents fuzz = new FuzzEvents(2026, 1_764_000_000_000L);
        Map<Rejected.Reason, Integer> reasons = new EnumMap<>(Rejected.Reason.class);
        Map<String, int[]> byMutation = new TreeMap<>();
        for (int i = 0; i < EVENTS; i++) {
            FuzzEvents.Fuzzed f = fuzz.event(i);
            DecodeImages.Outcome o = DecodeImages.outcome(decoder, new RawRecord("images", 0, i, 0, f.value()));
            assertTrue((o.image() == null) != (o.deadLetter() == null), "event " + i + ": exactly one outcome");
            int[] counts = byMutation.computeIfAbsent(f.mutation(), k -> new int[2]);
            if (o.image() != null) {
                counts[0]++;
                DecodedImage img = o.image();
                assertEquals((long) img.width * img.height * img.channels, img.pixels.length, "event " + i);
            } else {
                counts[1]++;
                assertTrue(
                        !f.legal(),
                        "event " + i + " (" + f.mutation() + ") is legal but got "
                                + o.deadLetter().getReason() + ": "
                                + o.deadLetter().getMessage());
                assertNotNull(o.reason());
                assertEquals(o.reason().name(), o.deadLetter().getReason());
                assertEquals(f.value().length, o.deadLetter().getOriginalSize());
                assertEquals(i, o.deadLetter().getOffset());
                reasons.merge(o.reason(), 1, Integer::sum);
                if (i % 97 == 0) {
                    assertTrue(
                            Avro.encode(o.deadLetter()).length < 1_000_000, "event " + i + ": dead letter fits 1 MB");
                }
            }
        }
        for (Rejected.Reason r : new Rejected.Reason[] {
            Rejected.Reason.NOT_AVRO,
            Rejected.Reason.DECODE_FAILED,
            Rejected.Reason.TOO_LARGE,
            Rejected.Reason.ID_TOO_LONG,
            Rejected.Reason.BAD_CHANNELS,
            Rejected.Reason.BAD_DIMENSIONS,
            Rejected.Reason.DIMENSION_MISMATCH,
            Rejected.Reason.SIZE_MISMATCH
        }) {
            assertTrue(reasons.getOrDefault(r, 0) > 0, "the fuzzer reached " + r + " (" + reasons + ")");
        }
        assertTrue(byMutation.get("valid")[0] > EVENTS / 5, "decoded " + byMutation);
    }
}
