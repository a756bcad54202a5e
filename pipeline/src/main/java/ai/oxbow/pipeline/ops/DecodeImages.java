package ai.oxbow.pipeline.ops;

import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.io.RawRecord;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.ImageEvent;

import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;

/**
 * Kafka record to validated image. Anything unusable goes to the dead-letter side output with
 * its original bytes, its offset and a reason code, and is counted per reason; the job goes on.
 * A second reader of the same topic (the trainer's) decodes without reporting: its invalid
 * events are the first reader's, already dead-lettered and counted there.
 */
public final class DecodeImages extends ProcessFunction<RawRecord, DecodedImage> {
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
            rejected.put(r, getRuntimeContext().getMetricGroup()
                    .addGroup("dead_letter_reason", r.name()).counter("dead_letters"));
        }
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<DecodedImage> out) {
        String id = null;
        try {
            ImageEvent event;
            try {
                event = Avro.decode(record.value, ImageEvent.class);
            } catch (Exception e) {
                throw new Rejected(Rejected.Reason.NOT_AVRO, "not an ImageEvent in raw Avro binary: " + e);
            }
            id = event.getId();
            out.collect(decoder.decode(event));
            if (report) {
                valid.inc();
            }
        } catch (Rejected r) {
            if (!report) {
                return;
            }
            rejected.get(r.reason()).inc();
            ctx.output(DEAD_LETTERS, DeadLetter.newBuilder()
                    .setOriginal(ByteBuffer.wrap(record.value))
                    .setTopic(record.topic)
                    .setPartition(record.partition)
                    .setOffset(record.offset)
                    .setReason(r.reason().name())
                    .setMessage(r.getMessage())
                    .setImageId(id)
                    .build());
        }
    }
}
