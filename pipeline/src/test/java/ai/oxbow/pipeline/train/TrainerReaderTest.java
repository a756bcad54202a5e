package ai.oxbow.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.state.GroupCodec.Partition;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.kafka.Broker;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.ops.ImageDecoder;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.schemas.ImageEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A trainer rank's own reader on a real broker: on a topic of one partition two ranks share every
 * valid image between them, each once; the reader is paced by its inbox, which releases one step's
 * events at a time; a bounded reader ends at the end offsets, also after a restore from its positions.
 */
class TrainerReaderTest {
    static final int SIZE = 8;
    // u = 2, B = 8: four events pay for one step.
    static final ReplayConfig REPLAY = new ReplayConfig("fifo", 64, 2, 0.5, 8, 3);

    @RegisterExtension
    static final Broker kafka = new Broker();

    /** Valid images with an undecodable record after every tenth; their ids. */
    private static Set<String> produce(String topic, int valid) throws Exception {
        Topics.create(kafka.client(), Map.of(topic, 1));
        Set<String> ids = new HashSet<>();
        Iterator<ImageEvent> events = ImageSources.of(GeneratedImages.generate(valid, SIZE, 1, 3), topic);
        try (KafkaProducer<byte[], byte[]> producer = kafka.client().bytesProducer(Map.of())) {
            for (int i = 0; events.hasNext(); i++) {
                ImageEvent e = events.next();
                ids.add(e.getId());
                producer.send(new ProducerRecord<>(topic, Avro.encode(e)));
                if (i % 10 == 9) {
                    producer.send(new ProducerRecord<>(topic, new byte[] {1, 2, 3}));
                }
            }
        }
        return ids;
    }

    private static ReaderSettings settings(String topic) {
        return new ReaderSettings(
                kafka.client(), topic, topic + "-trainer", true, new ImageDecoder(1 << 20, 1 << 20), 1, SIZE);
    }

    /** Everything rank r of N reads until its inbox is exhausted, one step's events at a time. */
    private static List<ReplayItem> readAll(String topic, int rank, int ranks, Inbox inbox) throws Exception {
        List<ReplayItem> out = new ArrayList<>();
        try (TrainerReader reader = new TrainerReader(settings(topic), rank, ranks, inbox)) {
            reader.start();
            while (!inbox.exhausted()) {
                long seen = inbox.changes();
                List<ReplayItem> step = inbox.take();
                assertTrue(
                        step.size() == 4 || step.isEmpty() || inbox.exhausted(),
                        "one step's events, none yet, or the last ones: " + step.size());
                out.addAll(step);
                inbox.admitted();
                if (step.isEmpty()) {
                    inbox.awaitChange(seen, 1_000);
                }
                reader.checkFailure();
            }
        }
        return out;
    }

    @Test
    void twoRanksShareOnePartitionEachImageOnce() throws Exception {
        Set<String> ids = produce("reader-share", 97);
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (int rank = 0; rank < 2; rank++) {
            List<ReplayItem> mine = readAll(
                    "reader-share", rank, 2, new Inbox(TrainerOptions.Pace.BACKPRESSURE, REPLAY, new SimpleCounter()));
            assertTrue(Math.abs(mine.size() - 97 / 2) <= 6, "about half each: " + mine.size());
            mine.forEach(i -> seen.add(i.id()));
            total += mine.size();
        }
        assertEquals(ids, seen, "every valid image, and only those");
        assertEquals(ids.size(), total, "each once");
    }

    @Test
    void aReaderRestoredFromItsPositionsReadsOnFromThere() throws Exception {
        Set<String> ids = produce("reader-restore", 40);
        Inbox first = new Inbox(TrainerOptions.Pace.BACKPRESSURE, REPLAY, new SimpleCounter());
        List<ReplayItem> before = new ArrayList<>();
        Map<Integer, Partition> positions;
        try (TrainerReader reader = new TrainerReader(settings("reader-restore"), 0, 1, first)) {
            reader.start();
            while (before.size() < 12) {
                long seen = first.changes();
                List<ReplayItem> step = first.take();
                before.addAll(step);
                first.admitted();
                if (step.isEmpty()) {
                    first.awaitChange(seen, 1_000);
                }
            }
            Inbox.Snapshot cut = first.snapshot();
            positions = cut.positions();
            before.addAll(cut.pending());
        }
        Inbox second = new Inbox(TrainerOptions.Pace.BACKPRESSURE, REPLAY, new SimpleCounter());
        second.restore(List.of(), positions);
        List<ReplayItem> after = readAll("reader-restore", 0, 1, second);
        Set<String> all = new HashSet<>();
        before.forEach(i -> all.add(i.id()));
        after.forEach(i -> assertTrue(all.add(i.id()), i.id() + " read twice"));
        assertEquals(ids, all);
    }
}
