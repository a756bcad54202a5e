package ai.oxbow.pipeline.cli;

import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.pipeline.index.ImageEmbedder;
import ai.oxbow.pipeline.index.VectorDoc;
import ai.oxbow.pipeline.index.VectorIndex;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.ops.DecodedImage;
import ai.oxbow.pipeline.ops.ImageDecoder;
import ai.oxbow.pipeline.ops.Rejected;
import ai.oxbow.pipeline.ops.Thumbnail;
import ai.oxbow.schemas.ImageEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * `reindex --bootstrap HOST:PORT [--topic oxbow.images] [--from-offset N] [--to-offset M]
 * --models DIR [--version V] --index NEWDIR [--batch 64]`: builds a fresh index of the images on
 * the topic, embedded by one encoder version from the registry (default: its newest). Every
 * partition is read from offset N (default 0) up to M (exclusive), or to its end as of the start.
 * Images are validated as the job does; unusable ones are skipped and counted as invalid. The
 * index is committed once, at the end, so a reader never sees it half built.
 */
public final class Reindex {
    private Reindex() {}

    static final Option<String> TOPIC =
            Option.string("topic", JobConfig.Kafka.DEFAULTS.imagesTopic(), "the images topic");
    static final Option<Long> FROM_OFFSET = Option.longInteger("from-offset", 0, "first offset of every partition")
            .atLeast(0);
    static final Option<Long> TO_OFFSET =
            Option.longInteger("to-offset", "end offset (exclusive)").computed("the end as of the start");
    static final Option<String> MODELS =
            Option.string("models", "model registry directory").required();
    static final Option<Long> VERSION =
            Option.longInteger("version", "encoder version from the registry").computed("the newest");
    static final Option<String> INDEX =
            Option.string("index", "the new index directory").required();
    static final Option<Integer> BATCH =
            Option.integer("batch", 64, "embedding batch size").atLeast(1);

    static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(
                    JobOptions.BOOTSTRAP.required(),
                    TOPIC,
                    FROM_OFFSET,
                    TO_OFFSET,
                    MODELS,
                    VERSION,
                    INDEX,
                    BATCH,
                    JobOptions.THUMBNAIL_SIZE,
                    JobOptions.MAX_PIXELS,
                    JobOptions.MAX_ENCODED_BYTES),
            JobOptions.KAFKA,
            List.of(JobOptions.THREADS));

    static Command.Run prepare(Args a) throws IOException {
        KafkaClient kafka = JobOptions.kafkaClient(a);
        String topic = a.get(TOPIC);
        long from = a.get(FROM_OFFSET);
        long to = a.getOr(TO_OFFSET, Long.MAX_VALUE);
        Path models = Path.of(a.get(MODELS));
        Long version = a.get(VERSION);
        Path index = Path.of(a.get(INDEX));
        int batch = a.get(BATCH);
        int thumbnailSize = a.get(JobOptions.THUMBNAIL_SIZE);
        ImageDecoder decoder = new ImageDecoder(a.get(JobOptions.MAX_PIXELS), a.get(JobOptions.MAX_ENCODED_BYTES));
        requireEmpty(index);
        return () -> {
            ModelRegistry registry = new ModelRegistry(models);
            EncoderSnapshot snapshot = version == null ? registry.latest() : registry.load(version);
            System.out.println(
                    Json.line(reindex(kafka, topic, from, to, snapshot, index, batch, decoder, thumbnailSize)));
        };
    }

    /** Images of the topic's offsets [from, to) embedded by one version into a fresh index; returns the summary. */
    public static Map<String, Object> reindex(
            KafkaClient kafka,
            String topic,
            long from,
            long to,
            EncoderSnapshot snapshot,
            Path dir,
            int batch,
            ImageDecoder decoder,
            int thumbnailSize)
            throws IOException {
        requireEmpty(dir);
        kafka.check();
        long start = System.nanoTime();
        long reindexed = 0;
        long invalid = 0;
        long unsearchable = 0;
        try (VectorIndex index = new VectorIndex(dir);
                ImageEmbedder embedder = new ImageEmbedder(snapshot);
                KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
            Map<TopicPartition, Long> end = assign(consumer, topic, from, to);
            List<DecodedImage> images = new ArrayList<>(batch);
            while (!reachedEnd(consumer, end)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    try {
                        images.add(decoder.decode(Avro.decode(r.value(), ImageEvent.class)));
                    } catch (Rejected | IOException | RuntimeException e) {
                        invalid++;
                        continue;
                    }
                    if (images.size() == batch) {
                        long written = write(index, embedder, images, thumbnailSize);
                        reindexed += written;
                        unsearchable += images.size() - written;
                        images.clear();
                    }
                }
            }
            long written = write(index, embedder, images, thumbnailSize);
            reindexed += written;
            unsearchable += images.size() - written;
            index.commit();
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("reindexed", reindexed);
        summary.put("invalid", invalid);
        // Vectors that are zero or not finite have no direction to search by.
        summary.put("unsearchable", unsearchable);
        summary.put("model_version", snapshot.version());
        summary.put("index", dir.toString());
        summary.put("seconds", (System.nanoTime() - start) / 1e9);
        return summary;
    }

    private static void requireEmpty(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--index " + dir + " is a file");
            }
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("--index " + dir + " is not empty: reindex builds a new index");
                }
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaClient kafka) {
        return new KafkaConsumer<>(kafka.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                // An offset below a partition's retention starts at its first record.
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class)));
    }

    /**
     * Assigns the partitions that have records at or after the start offset, at that offset;
     * returns where each one stops (exclusive).
     */
    private static Map<TopicPartition, Long> assign(
            KafkaConsumer<byte[], byte[]> consumer, String topic, long from, long to) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("no topic " + topic);
        }
        List<TopicPartition> partitions = infos.stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        Map<TopicPartition, Long> end = new LinkedHashMap<>();
        consumer.endOffsets(partitions).forEach((tp, offset) -> {
            // A seek past the end would be reset to the earliest offset: such a partition is not read at all.
            if (from < Math.min(offset, to)) {
                end.put(tp, Math.min(offset, to));
            }
        });
        consumer.assign(end.keySet());
        end.keySet().forEach(tp -> consumer.seek(tp, from));
        return end;
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /** Embeds and upserts a batch; returns how many were written. */
    private static long write(VectorIndex index, ImageEmbedder embedder, List<DecodedImage> images, int thumbnailSize)
            throws IOException {
        if (images.isEmpty()) {
            return 0;
        }
        float[][] vectors = embedder.embed(images);
        EncoderSnapshot model = embedder.snapshot();
        long written = 0;
        for (int i = 0; i < images.size(); i++) {
            DecodedImage img = images.get(i);
            byte[] thumbnail = Thumbnail.png(embedder.input(img), model.channels(), model.size(), thumbnailSize);
            if (index.upsert(new VectorDoc(
                    img.id,
                    model.version(),
                    model.method(),
                    model.encoder(),
                    img.label,
                    img.eventTime,
                    vectors[i],
                    thumbnail,
                    VectorDoc.NO_CLUSTER))) {
                written++;
            }
        }
        return written;
    }
}
