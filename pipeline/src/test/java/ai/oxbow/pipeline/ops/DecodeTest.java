package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.pipeline.BadEvents;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.io.RawRecord;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.Encoding;
import ai.oxbow.schemas.ImageEvent;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

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
        Rejected r = assertThrows(
                Rejected.class, () -> tight.decode(BadEvents.event("big", Encoding.RAW_U8, 4, 4, 1, new byte[16])));
        assertEquals(Rejected.Reason.TOO_LARGE, r.reason());
    }

    /** An ImageEvent written field by field, its bytes field claiming {@code claimed} bytes. */
    static byte[] lengthBomb(long idLength, long bytesLength) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
        e.writeLong(idLength);
        e.writeFixed("bomb".getBytes(StandardCharsets.UTF_8));
        e.writeLong(1_000);
        e.writeString("test");
        e.writeEnum(Encoding.RAW_U8.ordinal());
        e.writeInt(4);
        e.writeInt(4);
        e.writeInt(1);
        e.writeLong(bytesLength);
        e.writeFixed(new byte[16]);
        e.writeIndex(0);
        e.flush();
        return out.toByteArray();
    }

    @Test
    void anAvroLengthBombIsRefusedBeforeItIsAllocated() throws Exception {
        ImageEvent fine = Avro.decode(lengthBomb(4, 16), ImageEvent.class);
        assertEquals("bomb", fine.getId());
        for (byte[] bomb :
                new byte[][] {lengthBomb(4, 1_500_000_000L), lengthBomb(2_000_000_000L, 16), lengthBomb(4, -3)}) {
            IOException e = assertThrows(IOException.class, () -> Avro.decode(bomb, ImageEvent.class));
            assertTrue(
                    e.getMessage().contains("bytes are left") || e.getMessage().contains("of -3 bytes"),
                    e.getMessage());
        }
    }

    @Test
    void aDeadLetterFitsTheBrokersRecordLimitWhateverItCarries() {
        byte[] huge = new byte[9_400_000];
        String id = "é".repeat(600_000);
        DeadLetter d = DecodeImages.deadLetter(
                new RawRecord("images", 2, 77, 0, huge),
                new Rejected(Rejected.Reason.ID_TOO_LONG, "x".repeat(100_000)),
                id);
        byte[] encoded = Avro.encode(d);
        assertTrue(encoded.length < 300_000, encoded.length + " bytes");
        assertEquals(9_400_000, d.getOriginalSize());
        assertEquals(DecodeImages.MAX_ORIGINAL_BYTES, d.getOriginal().remaining());
        assertEquals(ImageDecoder.MAX_ID_BYTES, d.getImageId().getBytes(StandardCharsets.UTF_8).length);
        assertTrue(id.startsWith(d.getImageId()), "cut at a character boundary");
        assertEquals(77, d.getOffset(), "the offset points to the whole record");
    }
}
