package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.BadEvents;
import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.kafka.EmbeddedKafka;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageSources;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `reindex` from a real in-process Kafka broker with an untrained encoder from a model registry,
 * then `search` on the index it built.
 */
class ReindexTest {
    static final String TOPIC = "reindex.images";
    static final int IMAGES = 200;
    static final int SIZE = 16;
    static EmbeddedKafka kafka;
    static LabeledImages images;

    @TempDir
    static Path models;

    /** Topic: two undecodable records (offsets 0 and 1), then the images (offsets 2..201), one partition. */
    @BeforeAll
    static void setUp() throws Exception {
        kafka = EmbeddedKafka.start();
        Topics.create(kafka.client(), Map.of(TOPIC, 1));
        try (KafkaProducer<byte[], byte[]> producer = kafka.client().bytesProducer(Map.of())) {
            producer.send(new ProducerRecord<>(TOPIC, "not avro".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(TOPIC, new byte[] {1, 2, 3}));
            producer.flush();
        }
        images = GeneratedImages.generate(IMAGES, SIZE, 1, 11);
        ImageProducer.produce(kafka.client(), TOPIC, ImageSources.of(images, "gen"), IMAGES, 0);
        try (SslTrainer trainer = new SslTrainer(TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, 32))) {
            new ModelRegistry(models).write(trainer.publishedSnapshot());
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        kafka.close();
    }

    static List<String> run(String... argv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Oxbow.execute(argv);
        } finally {
            System.setOut(stdout);
        }
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    String[] reindex(Path index, String... more) {
        List<String> argv = new java.util.ArrayList<>(List.of(
                "reindex",
                "--bootstrap",
                kafka.bootstrapServers(),
                "--topic",
                TOPIC,
                "--models",
                models.toString(),
                "--version",
                "0",
                "--index",
                index.toString()));
        argv.addAll(List.of(more));
        return argv.toArray(String[]::new);
    }

    @Test
    void reindexesTheTopicSoThatEveryImageIsItsOwnNearestNeighbour(@TempDir Path dir) throws Exception {
        Path index = dir.resolve("index");
        List<String> out = run(reindex(index));
        assertEquals(1, out.size(), out.toString());
        assertTrue(
                out.get(0).startsWith("{\"reindexed\":200,\"invalid\":2,\"unsearchable\":0,\"model_version\":0,"),
                out.get(0));
        try (VectorSearch search = new VectorSearch(index)) {
            assertEquals(Map.of(0L, (long) IMAGES), search.versions());
            for (int i = 0; i < IMAGES; i++) {
                String id = "gen-" + i;
                VectorSearch.Hit top = search.search(search.vectorOf(id, 0).orElseThrow(), 5, 0)
                        .get(0);
                assertEquals(id, top.imageId());
                assertEquals(images.labels()[i], top.label());
                assertEquals(1f, top.score(), 1e-4f);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> run(reindex(index)), "an existing index is refused");
    }

    @Test
    void readsOnlyTheChosenOffsets(@TempDir Path dir) throws Exception {
        Path index = dir.resolve("index");
        List<String> out = run(reindex(index, "--from-offset", "1", "--to-offset", "11"));
        assertTrue(out.get(0).startsWith("{\"reindexed\":9,\"invalid\":1,"), out.get(0));
        try (VectorSearch search = new VectorSearch(index)) {
            assertEquals(List.of(0L), search.versionsOf("gen-8"));
            assertEquals(List.of(), search.versionsOf("gen-9"));
        }
    }

    @Test
    void searchesByIdAndByImageFile(@TempDir Path dir) throws Exception {
        Path index = dir.resolve("index");
        run(reindex(index));

        List<String> byId = run("search", "--index", index.toString(), "--id", "gen-7", "--k", "3");
        assertEquals(4, byId.size(), byId.toString());
        assertTrue(byId.get(0).startsWith("{\"rank\":1,\"image_id\":\"gen-7\",\"score\":1"), byId.get(0));
        assertTrue(byId.get(3).startsWith("{\"query\":\"gen-7\",\"model_version\":0,\"k\":3,\"hits\":3,"), byId.get(3));

        // The same pixels as a PNG file, embedded by the registry's encoder, find the indexed image.
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, SIZE, SIZE, images.image(42));
        Path png = dir.resolve("query.png");
        Files.write(png, BadEvents.png(img));
        List<String> byFile = run(
                "search",
                "--index",
                index.toString(),
                "--image",
                png.toString(),
                "--models",
                models.toString(),
                "--k",
                "1");
        assertTrue(byFile.get(0).startsWith("{\"rank\":1,\"image_id\":\"gen-42\",\"score\":1,"), byFile.get(0));

        IllegalArgumentException unknown = assertThrows(
                IllegalArgumentException.class, () -> run("search", "--index", index.toString(), "--id", "nope"));
        assertTrue(unknown.getMessage().contains("not in the index"), unknown.getMessage());
        IllegalArgumentException version = assertThrows(
                IllegalArgumentException.class,
                () -> run("search", "--index", index.toString(), "--id", "gen-7", "--version", "5"));
        assertTrue(version.getMessage().contains("no vector of model version 5"), version.getMessage());
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> run("search", "--index", dir.resolve("none").toString(), "--id", "gen-7"));
        assertTrue(missing.getMessage().contains("no index"), missing.getMessage());
    }
}
