package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.state.GroupCodec.Partition;
import ai.oxbow.pipeline.io.RawRecord;
import ai.oxbow.pipeline.ops.DecodeImages;
import ai.oxbow.pipeline.ops.ModelImage;
import ai.oxbow.pipeline.ops.ToModelInput;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A trainer rank's own reader of the images topic, on a thread of its own: every partition,
 * keeping this rank's share, record (partition p, offset o) for rank (p + o) mod N, so that the
 * shares do not depend on how many partitions there are and a run is reproducible. It reads at the
 * pace of training ({@link Inbox#put} waits while the inbox is full), so back-pressure holds this
 * reader and no other. Its positions are checkpointed with the inbox; offsets another rank
 * consumed before a rescale ({@link Partition#skipped}) are passed over.
 *
 * <p>Invalid records are passed over: the job's decode branch dead-letters them.
 */
final class TrainerReader implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final ReaderSettings settings;
    private final int rank;
    private final int ranks;
    private final Inbox inbox;
    private final ToModelInput toModelInput;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    /** Where the reader starts, set by {@link #start()} before its thread runs. */
    private Map<Integer, Partition> initial;
    /** Offsets to commit to the consumer group, handed from the task thread (the consumer is not thread-safe). */
    private final AtomicReference<Map<Integer, Partition>> toCommit = new AtomicReference<>();
    /** Positions saved by checkpoints not completed yet (task thread only). */
    private final TreeMap<Long, Map<Integer, Partition>> saved = new TreeMap<>();

    TrainerReader(ReaderSettings settings, int rank, int ranks, Inbox inbox) {
        this.settings = settings;
        this.rank = rank;
        this.ranks = ranks;
        this.inbox = inbox;
        this.toModelInput = new ToModelInput(settings.channels(), settings.size());
        this.thread = new Thread(this::run, "oxbow-trainer-reader-" + rank);
        thread.setDaemon(true);
    }

    /**
     * Seeks to where this rank starts (restored, committed, or the beginning) on the calling thread, so
     * that every cut from now on holds a position in every partition (a rank without one could not be
     * rescaled: nothing would say what it had read), then reads on the reader's own thread.
     */
    void start() {
        Map<String, Object> props = settings.kafka()
                .consumer(Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        settings.groupId(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        settings.decoder().maxEncodedBytes() * 2,
                        ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
                        settings.decoder().maxEncodedBytes() * 4));
        KafkaConsumer<byte[], byte[]> kafka =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            initial = start(kafka);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        consumer = kafka;
        thread.start();
    }

    /** Rethrows a failure of the reader's thread on the calling thread. */
    void checkFailure() {
        if (failure != null) {
            throw new IllegalStateException("the trainer's reader of " + settings.topic() + " failed", failure);
        }
    }

    /** The positions a checkpoint saved (rank 0), committed to the consumer group once it completes. */
    void saved(long checkpointId, Map<Integer, Partition> positions) {
        saved.put(checkpointId, positions);
    }

    /**
     * A checkpoint completed: its positions go to the consumer group, a hint for a job started
     * without state (restores read them from the checkpoint). Bounded runs commit nothing.
     */
    void completed(long checkpointId) {
        Map<Integer, Partition> positions = saved.get(checkpointId);
        saved.headMap(checkpointId, true).clear();
        if (positions != null && !settings.bounded()) {
            toCommit.set(positions);
        }
    }

    /** Whether rank r of N takes the record at this offset of this partition. */
    static boolean share(int partition, long offset, int rank, int ranks) {
        return Math.floorMod(partition + offset, ranks) == rank;
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> kafka = consumer) {
            Map<Integer, Partition> positions = initial;
            while (running) {
                commitRequested(kafka);
                if (settings.bounded() && positions.values().stream().allMatch(p -> p.next() >= p.end())) {
                    inbox.end();
                    return;
                }
                var records = kafka.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    Partition at = positions.get(r.partition());
                    if (settings.bounded() && r.offset() >= at.end()) {
                        kafka.pause(List.of(new TopicPartition(r.topic(), r.partition())));
                        continue;
                    }
                    Partition next = new Partition(r.offset() + 1, at.end(), after(at.skipped(), r.offset() + 1));
                    positions.put(r.partition(), next);
                    ReplayItem item = mine(r, at) ? decode(r) : null;
                    if (item != null) {
                        inbox.put(item, r.partition(), next);
                    } else {
                        inbox.skip(r.partition(), next);
                    }
                }
                passMarkers(kafka, positions);
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (Throwable t) {
            failure = t;
            inbox.changed();
        }
    }

    /** Assigns every partition and seeks to where this rank stands: restored, committed, or the beginning. */
    private Map<Integer, Partition> start(KafkaConsumer<byte[], byte[]> kafka) {
        List<TopicPartition> partitions = kafka.partitionsFor(settings.topic()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + settings.topic() + " has no partitions");
        }
        kafka.assign(partitions);
        Map<Integer, Partition> positions = new TreeMap<>(inbox.positions());
        Map<TopicPartition, Long> beginning = kafka.beginningOffsets(partitions);
        Map<TopicPartition, Long> ends = settings.bounded() ? kafka.endOffsets(partitions) : Map.of();
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.committed(Set.copyOf(partitions));
        for (TopicPartition tp : partitions) {
            Partition at = positions.get(tp.partition());
            if (at == null) {
                OffsetAndMetadata c = committed.get(tp);
                positions.put(
                        tp.partition(),
                        new Partition(
                                c == null ? beginning.get(tp) : c.offset(),
                                settings.bounded() ? ends.get(tp) : -1,
                                new long[0]));
            } else if (settings.bounded() && at.end() < 0) {
                // Restored from an unbounded run into a bounded one: it ends where the topic ends now.
                positions.put(tp.partition(), new Partition(at.next(), ends.get(tp), at.skipped()));
            }
            kafka.seek(tp, positions.get(tp.partition()).next());
        }
        positions.forEach((p, at) -> inbox.skip(p, at));
        return positions;
    }

    /**
     * Moves past offsets that hold no record (transaction markers, compacted records): the
     * consumer's position is past them, and a bounded run's end may lie behind them.
     */
    private void passMarkers(KafkaConsumer<byte[], byte[]> kafka, Map<Integer, Partition> positions) {
        for (TopicPartition tp : kafka.assignment()) {
            Partition at = positions.get(tp.partition());
            long position = kafka.position(tp);
            if (position > at.next()) {
                Partition next = new Partition(position, at.end(), after(at.skipped(), position));
                positions.put(tp.partition(), next);
                inbox.skip(tp.partition(), next);
            }
        }
    }

    private boolean mine(ConsumerRecord<byte[], byte[]> r, Partition at) {
        return share(r.partition(), r.offset(), rank, ranks) && Arrays.binarySearch(at.skipped(), r.offset()) < 0;
    }

    private ReplayItem decode(ConsumerRecord<byte[], byte[]> r) {
        DecodeImages.Outcome o = DecodeImages.outcome(
                settings.decoder(),
                new RawRecord(
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        r.timestamp(),
                        r.value() == null ? new byte[0] : r.value()));
        if (o.image() == null) {
            return null;
        }
        ModelImage img = toModelInput.map(o.image());
        return new ReplayItem(img.id, img.eventTime, img.label, img.chw);
    }

    /** The skipped offsets from {@code next} on (sorted); those before it are behind the reader. */
    private static long[] after(long[] skipped, long next) {
        int from = 0;
        while (from < skipped.length && skipped[from] < next) {
            from++;
        }
        return from == 0 ? skipped : Arrays.copyOfRange(skipped, from, skipped.length);
    }

    private void commitRequested(KafkaConsumer<byte[], byte[]> kafka) {
        Map<Integer, Partition> positions = toCommit.getAndSet(null);
        if (positions != null) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            positions.forEach(
                    (p, at) -> offsets.put(new TopicPartition(settings.topic(), p), new OffsetAndMetadata(at.next())));
            kafka.commitAsync(offsets, null);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        inbox.close();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        thread.join();
    }
}
