package ai.oxbow.pipeline;

import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.schemas.Encoding;
import ai.oxbow.schemas.ImageEvent;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/** Broken inputs of every kind the decoder must reject, with the reason each must get. */
public final class BadEvents {
    private BadEvents() {}

    public static ImageEvent event(String id, Encoding encoding, int w, int h, int c, byte[] bytes) {
        return ImageEvent.newBuilder()
                .setId(id)
                .setEventTime(Instant.ofEpochMilli(1_000))
                .setSource("test")
                .setEncoding(encoding)
                .setWidth(w)
                .setHeight(h)
                .setChannels(c)
                .setBytes(ByteBuffer.wrap(bytes))
                .setLabel(null)
                .build();
    }

    public static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    public static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, format, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Record value (raw Avro or garbage) to the expected dead-letter reason. */
    public static Map<byte[], String> all() {
        Map<byte[], String> out = new LinkedHashMap<>();
        byte[] validPng = png(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY));
        out.put("this is not avro at all, just text".getBytes(), "NOT_AVRO");
        byte[] good = Avro.encode(event("bad-trunc", Encoding.RAW_U8, 4, 4, 1, new byte[16]));
        out.put(Arrays.copyOf(good, good.length - 5), "NOT_AVRO");
        out.put(Avro.encode(event("bad-size", Encoding.RAW_U8, 4, 4, 1, new byte[10])), "SIZE_MISMATCH");
        out.put(Avro.encode(event("bad-huge", Encoding.RAW_U8, 100_000, 100_000, 1, new byte[1])), "TOO_LARGE");
        out.put(Avro.encode(event("bad-channels", Encoding.RAW_U8, 4, 4, 5, new byte[80])), "BAD_CHANNELS");
        out.put(Avro.encode(event("bad-dims", Encoding.RAW_U8, 0, 4, 1, new byte[0])), "BAD_DIMENSIONS");
        out.put(Avro.encode(event("", Encoding.RAW_U8, 4, 4, 1, new byte[16])), "MISSING_ID");
        out.put(Avro.encode(event("x".repeat(40_000), Encoding.RAW_U8, 4, 4, 1, new byte[16])), "ID_TOO_LONG");
        out.put(
                Avro.encode(event("bad-png", Encoding.PNG, 8, 8, 1, Arrays.copyOf(validPng, validPng.length / 2))),
                "DECODE_FAILED");
        out.put(Avro.encode(event("bad-png-dims", Encoding.PNG, 9, 8, 1, validPng)), "DIMENSION_MISMATCH");
        out.put(
                Avro.encode(event(
                        "bad-png-gif",
                        Encoding.PNG,
                        8,
                        8,
                        1,
                        encode(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "gif"))),
                "DECODE_FAILED");
        out.put(Avro.encode(event("bad-png-channels", Encoding.PNG, 8, 8, 3, validPng)), "BAD_CHANNELS");
        return out;
    }
}
