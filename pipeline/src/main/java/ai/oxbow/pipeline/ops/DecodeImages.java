package ai.oxbow.pipeline.ops;

import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.io.RawRecord;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.ImageEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Kafka record to validated image. Anything unusable goes to the dead-letter side output with
 * its original bytes, its offset and a reason code, and is counted per reason; the job goes on.
 * A second reader of the same topic (the trainer's) decodes without reporting: its invalid
 * events are the first reader's, already dead-lettered and counted there.
 */
public final class DecodeImages extends ProcessFunction<RawRecord, DecodedImage> {
    public static final int MAX_ORIGINAL_BYTES = 256 * 1024;
    public static final int MAX_MESSAGE_CHARS = 4096;
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final ImageDecoder decoder;
    private final boolean report;
    private transient Counter valid;
    private transient Map<Rejected.Reason, Counter> rejected;

    /** @param report emit dead letters and count images per outcome */
    public DecodeImages(ImageDecoder decoder, boolean report) {
        this.decoder = decoder;
        this.report = report;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext context) {
        if (!report) {
            return;
        }
        valid = getRuntimeContext().getMetricGroup().counter("images_valid");
        rejected = new EnumMap<>(Rejected.Reason.class);
        for (Rejected.Reason r : Rejected.Reason.values()) {
            rejected.put(
                    r,
                    getRuntimeContext()
                            .getMetricGroup()
                            .addGroup("dead_letter_reason", r.name())
                            .counter("dead_letters"));
        }
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<DecodedImage> out) {
        Outcome o = outcome(decoder, record);
        if (o.image() != null) {
            out.collect(o.image());
            if (report) {
                valid.inc();
            }
        } else if (report) {
            rejected.get(o.reason()).inc();
            ctx.output(DEAD_LETTERS, o.deadLetter());
        }
    }

    /** What a record becomes: exactly one of a decoded image and a dead letter (with its reason). */
    public record Outcome(DecodedImage image, DeadLetter deadLetter, Rejected.Reason reason) {}

    /** Decodes a record; nothing it holds can make this throw. */
    public static Outcome outcome(ImageDecoder decoder, RawRecord record) {
        String id = null;
        try {
            ImageEvent event;
            try {
                event = Avro.decode(record.value, ImageEvent.class);
            } catch (Exception e) {
                throw new Rejected(Rejected.Reason.NOT_AVRO, "not an ImageEvent in raw Avro binary: " + e);
            }
            id = event.getId();
            return new Outcome(decoder.decode(event), null, null);
        } catch (Rejected r) {
            return new Outcome(null, deadLetter(record, r, id), r.reason());
        }
    }

    /**
     * The dead letter of a record, always small enough for a broker's default 1 MB record limit:
     * the original cut to {@value #MAX_ORIGINAL_BYTES} bytes (its full size and its offset say
     * where the whole is), the id to {@link ImageDecoder#MAX_ID_BYTES}, the message to
     * {@value #MAX_MESSAGE_CHARS} characters.
     */
    static DeadLetter deadLetter(RawRecord record, Rejected r, String id) {
        return DeadLetter.newBuilder()
                .setOriginal(ByteBuffer.wrap(record.value, 0, Math.min(record.value.length, MAX_ORIGINAL_BYTES)))
                .setOriginalSize(record.value.length)
                .setTopic(record.topic)
                .setPartition(record.partition)
                .setOffset(record.offset)
                .setReason(r.reason().name())
                .setMessage(cut(r.getMessage(), MAX_MESSAGE_CHARS))
                .setImageId(id == null ? null : cutUtf8(id, ImageDecoder.MAX_ID_BYTES))
                .build();
    }

    private static String cut(String s, int chars) {
        return s.length() <= chars ? s : s.substring(0, chars) + "…";
    }

    /** The longest prefix of whole characters that fits in {@code bytes} UTF-8 bytes. */
    private static String cutUtf8(String s, int bytes) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= bytes) {
            return s;
        }
        int end = bytes;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(utf8, 0, end, StandardCharsets.UTF_8);
    }
}
