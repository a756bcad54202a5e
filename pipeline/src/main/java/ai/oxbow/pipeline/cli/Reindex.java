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

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

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

    static final List<Option> OPTIONS = JobOptions.concat(List.of(
            JobOptions.BOOTSTRAP.computed("required"),
            Option.string("topic", new JobConfig().imagesTopic, "the images topic"),
            Option.longInteger("from-offset", 0, "first offset of every partition").atLeast(0),
            Option.longInteger("to-offset", Long.MAX_VALUE, "end offset (exclusive)").computed("the end as of the start"),
            Option.string("models", null, "model registry directory").computed("required"),
            Option.longInteger("version", 0, "encoder version from the registry").computed("the newest"),
            Option.string("index", null, "the new index directory").computed("required"),
            Option.integer("batch", 64, "embedding batch size").atLeast(1)),
            JobOptions.JOB_OPTIONS.stream().filter(o -> Set.of("thumbnail-size", "max-pixels", "max-encoded-bytes")
                    .contains(o.name())).toList(), JobOptions.KAFKA, List.of(JobOptions.THREADS));

    public static void run(Args a) throws IOException {
        String bootstrap = a.get("bootstrap");
        String topic = a.get("topic");
        long from = a.getLong("from-offset");
        long to = a.getLong("to-offset", Long.MAX_VALUE);
        String models = a.get("models");
        Long version = a.has("version") ? a.getLong("version") : null;
        String indexDir = a.get("index");
        int batch = a.getInt("batch");
        int thumbnailSize = a.getInt("thumbnail-size");
        ImageDecoder decoder = new ImageDecoder(a.getLong("max-pixels"), a.getInt("max-encoded-bytes"));
        if (bootstrap == null || models == null || indexDir == null) {
            throw new IllegalArgumentException("usage: reindex --bootstrap HOST:PORT --models DIR --index NEWDIR "
                    + "[--version V] [--topic oxbow.images] [--from-offset N] [--to-offset M] [--batch 64] [--thumbnail-size 32]");
        }
        ModelRegistry registry = new ModelRegistry(Path.of(models));
        EncoderSnapshot snapshot = version == null ? registry.latest() : registry.load(version);
        System.out.println(Json.line(reindex(JobOptions.kafka(a), topic, from, to, snapshot, Path.of(indexDir),
                batch, decoder, thumbnailSize)));
    }

    /** Images of the topic's offsets [from, to) embedded by one version into a fresh index; returns the summary. */
    public static Map<String, Object> reindex(KafkaClient kafka, String topic, long from, long to, EncoderSnapshot snapshot,
                                              Path dir, int batch, ImageDecoder decoder, int thumbnailSize)
            throws IOException {
        requireEmpty(dir);
        kafka.check();
        long start = System.nanoTime();
        long reindexed = 0;
        long invalid = 0;
        long unsearchable = 0;
        try (VectorIndex index = new VectorIndex(dir); ImageEmbedder embedder = new ImageEmbedder(snapshot);
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
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // An offset below a partition's retention starts at its first record.
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)));
    }

    /**
     * Assigns the partitions that have records at or after the start offset, at that offset;
     * returns where each one stops (exclusive).
     */
    private static Map<TopicPartition, Long> assign(KafkaConsumer<byte[], byte[]> consumer, String topic, long from,
                                                    long to) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("no topic " + topic);
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
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
    private static long write(VectorIndex index, ImageEmbedder embedder, List<DecodedImage> images,
                              int thumbnailSize) throws IOException {
        if (images.isEmpty()) {
            return 0;
        }
        float[][] vectors = embedder.embed(images);
        EncoderSnapshot model = embedder.snapshot();
        long written = 0;
        for (int i = 0; i < images.size(); i++) {
            DecodedImage img = images.get(i);
            byte[] thumbnail = Thumbnail.png(embedder.input(img), model.channels(), model.size(), thumbnailSize);
            if (index.upsert(new VectorDoc(img.id, model.version(), model.method(), model.encoder(), img.label,
                    img.eventTime, vectors[i], thumbnail))) {
                written++;
            }
        }
        return written;
    }
}
