package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.oxbow.pipeline.BadEvents;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.schemas.Encoding;
import ai.oxbow.schemas.ImageEvent;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Map;

class DecodeTest {
    final ImageDecoder decoder = new ImageDecoder(1_000_000, 1_000_000);

    @Test
    void everyBrokenEventIsRejectedWithItsReason() {
        for (Map.Entry<byte[], String> bad : BadEvents.all().entrySet()) {
            String reason;
            try {
                decoder.decode(Avro.decode(bad.getKey(), ImageEvent.class));
                reason = "ACCEPTED";
            } catch (Rejected r) {
                reason = r.reason().name();
            } catch (Exception e) {
                reason = "NOT_AVRO";
            }
            assertEquals(bad.getValue(), reason);
        }
    }

    @Test
    void rawAndPngDecodeToTheSameSamples() throws Exception {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        img.setRGB(0, 0, 0xFF0000);
        img.setRGB(2, 1, 0x00FF80);
        byte[] raw = new byte[3 * 2 * 3];
        raw[0] = (byte) 255;
        raw[(1 * 3 + 2) * 3 + 1] = (byte) 255;
        raw[(1 * 3 + 2) * 3 + 2] = (byte) 128;
        DecodedImage fromPng = decoder.decode(BadEvents.event("a", Encoding.PNG, 3, 2, 3, BadEvents.png(img)));
        DecodedImage fromRaw = decoder.decode(BadEvents.event("b", Encoding.RAW_U8, 3, 2, 3, raw));
        assertArrayEquals(fromRaw.pixels, fromPng.pixels);
        assertEquals(2, fromPng.height);
    }

    @Test
    void encodedSizeIsCappedBeforeDecoding() {
        ImageDecoder tight = new ImageDecoder(1_000_000, 10);
        Rejected r = assertThrows(Rejected.class,
                () -> tight.decode(BadEvents.event("big", Encoding.RAW_U8, 4, 4, 1, new byte[16])));
        assertEquals(Rejected.Reason.TOO_LARGE, r.reason());
    }
}
