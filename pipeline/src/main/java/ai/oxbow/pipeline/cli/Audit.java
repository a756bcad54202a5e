package ai.oxbow.pipeline.cli;

import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.TopicReader;
import ai.oxbow.pipeline.train.RunDirectory;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.EmbeddingEvent;
import ai.oxbow.schemas.ImageEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * `audit`: are the outputs exactly once? Every record of the images topic is either a valid image
 * or a dead letter; every valid image should have exactly one committed embedding
 * (read_committed) and, with --index-dir, one index document; with --run-dir, the trainer should
 * have been offered each event once. Prints the counts as one JSON line.
 */
final class Audit {
    private Audit() {}

    static final Option<String> INDEX_DIR = Option.string("index-dir", "also check this index");
    static final Option<String> RUN_DIR =
            Option.string("run-dir", "also count the events the trainer was offered (its run directory)");

    static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(
                    JobOptions.BOOTSTRAP,
                    JobOptions.IMAGES_TOPIC,
                    JobOptions.EMBEDDINGS_TOPIC,
                    JobOptions.DEAD_LETTERS_TOPIC,
                    INDEX_DIR,
                    RUN_DIR),
            JobOptions.KAFKA);

    static Command.Run prepare(Args a) {
        KafkaClient kafka = JobOptions.kafkaClient(a);
        String imagesTopic = a.get(JobOptions.IMAGES_TOPIC);
        String embeddingsTopic = a.get(JobOptions.EMBEDDINGS_TOPIC);
        String deadLettersTopic = a.get(JobOptions.DEAD_LETTERS_TOPIC);
        String indexDir = a.get(INDEX_DIR);
        String runDir = a.get(RUN_DIR);
        return () -> audit(kafka, imagesTopic, embeddingsTopic, deadLettersTopic, indexDir, runDir);
    }

    private static void audit(
            KafkaClient kafka,
            String imagesTopic,
            String embeddingsTopic,
            String deadLettersTopic,
            String indexDir,
            String runDir)
            throws IOException {
        kafka.check();
        Map<String, Integer> deadLettered = new HashMap<>();
        List<DeadLetter> dead = TopicReader.readCommitted(kafka, deadLettersTopic, DeadLetter.class);
        dead.forEach(
                d -> deadLettered.merge(d.getTopic() + "/" + d.getPartition() + "@" + d.getOffset(), 1, Integer::sum));
        List<ConsumerRecord<byte[], byte[]>> events = TopicReader.readCommittedRaw(kafka, imagesTopic);
        Set<String> valid = new HashSet<>();
        long undecodable = 0;
        for (ConsumerRecord<byte[], byte[]> r : events) {
            if (!deadLettered.containsKey(r.topic() + "/" + r.partition() + "@" + r.offset())) {
                try {
                    valid.add(Avro.decode(r.value(), ImageEvent.class).getId().toString());
                } catch (IOException | RuntimeException e) {
                    undecodable++; // neither embedded nor dead-lettered: lost
                }
            }
        }
        Map<String, Integer> embedded = new HashMap<>();
        List<EmbeddingEvent> embeddings = TopicReader.readCommitted(kafka, embeddingsTopic, EmbeddingEvent.class);
        embeddings.forEach(e -> embedded.merge(e.getImageId().toString(), 1, Integer::sum));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events", events.size());
        out.put("valid", valid.size());
        out.put("dead_letters", dead.size());
        out.put(
                "dead_letter_duplicates",
                deadLettered.values().stream().mapToInt(n -> n - 1).sum());
        out.put("embeddings", embeddings.size());
        out.put("distinct_ids", embedded.size());
        out.put("duplicates", embeddings.size() - embedded.size());
        out.put(
                "lost",
                undecodable
                        + valid.stream().filter(id -> !embedded.containsKey(id)).count());
        out.put(
                "unexpected",
                embedded.keySet().stream().filter(id -> !valid.contains(id)).count());
        if (indexDir != null) {
            try (VectorSearch index = new VectorSearch(Path.of(indexDir))) {
                Map<String, Integer> docs = index.documentsPerImage();
                out.put(
                        "index_docs",
                        docs.values().stream().mapToLong(Integer::longValue).sum());
                out.put(
                        "index_duplicates",
                        docs.values().stream().mapToInt(n -> n - 1).sum());
                out.put(
                        "index_missing",
                        valid.stream().filter(id -> !docs.containsKey(id)).count());
            }
        }
        if (runDir != null) {
            out.put(
                    "trainer_offered",
                    Long.parseLong(RunDirectory.summary(Path.of(runDir)).get("replay_offered")));
        }
        System.out.println(Json.line(out));
    }
}
