package ai.oxbow.pipeline.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.augment.Recipe;
import ai.oxbow.model.cluster.ScanStage;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.method.Methods;
import ai.oxbow.model.method.MoCoV2Plus;
import ai.oxbow.model.method.Nnclr;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.BadEvents;
import ai.oxbow.pipeline.FuzzEvents;
import ai.oxbow.pipeline.index.VectorSearch;
import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.pipeline.io.RawRecord;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.kafka.Broker;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.TopicReader;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.local.LocalFlink;
import ai.oxbow.pipeline.ops.DecodeImages;
import ai.oxbow.pipeline.ops.ImageDecoder;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.pipeline.train.RunDirectory;
import ai.oxbow.pipeline.train.TrainerOptions;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.EmbeddingEvent;
import ai.oxbow.schemas.ImageEvent;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole job on real parts: an in-process KRaft broker, a Flink MiniCluster, DJL PyTorch.
 * Every count below is read back with read_committed, as a downstream consumer would.
 */
class PipelineIT {
    static final int SIZE = 16;
    static final int BATCH = 32;

    @RegisterExtension
    static final Broker kafka = new Broker();

    static JobConfig config(String name, String method, Path runDir) throws Exception {
        return config(kafka.client(), name, method, runDir);
    }

    /** A small bounded job on its own topics, created through this client. */
    static JobConfig config(KafkaClient client, String name, String method, Path runDir) throws Exception {
        HashMap<String, String> options = new HashMap<>();
        // Small buffers fill within two steps, so the loss trend is visible in a short run
        // (a large MoCo queue keeps raising the loss while it fills with real keys).
        options.put("queue_size", "64");
        options.put("support_size", "64");
        TrainerConfig d = TrainerConfig.defaults(method, "small-cnn", 1, SIZE, BATCH);
        TrainerConfig trainer = d.withOptions(options).withSeed(3).withSchedule(d.learningRate(), 5, 200, false);
        Recipe augment = Recipe.parse(Methods.defaults(method).recipe(), "none", SIZE, 1, Map.of());
        // A buffer larger than the stream: nothing is evicted, so every image is admitted and kept.
        ReplayConfig replay = new ReplayConfig("fifo", 4_096, 1.0, ReplayConfig.DEFAULT_NEW_FRACTION, BATCH, 5);
        TrainerOptions defaults = JobConfig.Training.DEFAULT_OPTIONS;
        JobConfig cfg = new JobConfig(
                new JobConfig.Kafka(
                        client, name + ".images", name + ".embeddings", name + ".dead-letters", name, name, -1, true),
                JobConfig.Decoding.DEFAULTS,
                new JobConfig.Training(
                        trainer,
                        augment,
                        JobConfig.Training.AUGMENT_SEED,
                        replay,
                        trainerOptions(
                                runDir,
                                defaults.progressIntervalMs(),
                                defaults.publishEverySteps(),
                                defaults.pace(),
                                0),
                        1),
                JobConfig.Embedders.DEFAULTS,
                new JobConfig.Stores(
                        runDir.resolve("models").toString(),
                        runDir.resolve("index").toString()),
                JobConfig.Checkpoints.into(
                        1_000, runDir.resolve("checkpoints").toUri().toString()));
        JobConfig.Kafka kafka = cfg.kafka();
        Topics.create(client, Map.of(kafka.imagesTopic(), 2, kafka.embeddingsTopic(), 1, kafka.deadLettersTopic(), 1));
        return cfg;
    }

    /** The trainer operator's default settings but these. */
    static TrainerOptions trainerOptions(
            Path runDir, long progressIntervalMs, long publishEverySteps, TrainerOptions.Pace pace, long failAtStep) {
        TrainerOptions d = JobConfig.Training.DEFAULT_OPTIONS;
        return new TrainerOptions(
                runDir.toString(),
                progressIntervalMs,
                publishEverySteps,
                d.publishEveryMs(),
                d.collapseThreshold(),
                d.holdOnCollapse(),
                d.classes(),
                d.expectedImages(),
                pace,
                d.viewThreads(),
                failAtStep);
    }

    static long runJob(JobConfig cfg) throws Exception {
        try (LocalFlink flink = LocalFlink.start(0, "9250-9399", 4)) {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(OxbowJob.flinkConfiguration(cfg));
            OxbowJob.build(env, cfg);
            JobID job = flink.submit(env);
            flink.await(job);
            return flink.completedCheckpoints(job);
        }
    }

    /** Sends valid generated images, with the given raw records mixed in every 50th slot. */
    static Set<String> produce(JobConfig cfg, int valid, List<byte[]> extra) {
        Set<String> ids = new HashSet<>();
        Iterator<ImageEvent> events = ImageSources.of(GeneratedImages.generate(valid, SIZE, 1, 11), "gen");
        try (KafkaProducer<byte[], byte[]> producer = cfg.kafka().client().bytesProducer(Map.of())) {
            int i = 0;
            Iterator<byte[]> bad = extra.iterator();
            while (events.hasNext()) {
                ImageEvent e = events.next();
                ids.add(e.getId());
                producer.send(new ProducerRecord<>(
                        cfg.kafka().imagesTopic(), e.getId().getBytes(), Avro.encode(e)));
                if (++i % 50 == 0 && bad.hasNext()) {
                    producer.send(new ProducerRecord<>(cfg.kafka().imagesTopic(), null, bad.next()));
                }
            }
            bad.forEachRemaining(
                    b -> producer.send(new ProducerRecord<>(cfg.kafka().imagesTopic(), null, b)));
        }
        return ids;
    }

    /**
     * Kafka and the search index both hold exactly one vector per valid image, each made by a
     * published version that is in the model registry; the index's vector is the event's.
     */
    static List<EmbeddingEvent> assertExactlyOneEmbeddingPerImage(JobConfig cfg, Set<String> ids) throws Exception {
        List<EmbeddingEvent> out =
                TopicReader.readCommitted(cfg.kafka().client(), cfg.kafka().embeddingsTopic(), EmbeddingEvent.class);
        List<Long> registered = new ModelRegistry(Path.of(cfg.stores().modelsDir())).versions();
        List<String> seen = new ArrayList<>();
        for (EmbeddingEvent e : out) {
            seen.add(e.getImageId());
            assertEquals(256, e.getVector().size());
            assertEquals(256, e.getDim());
            assertTrue(e.getVector().stream().allMatch(Float::isFinite), "finite vector");
            assertEquals(cfg.training().trainer().method(), e.getMethod());
            assertEquals("small-cnn", e.getEncoderName());
            assertTrue(registered.contains(e.getModelVersion()), "version " + e.getModelVersion() + " registered");
            int clusters = cfg.training().trainer().scanClusters();
            if (clusters == 0 || e.getModelVersion() == 0) {
                // Version 0, the untrained encoder the embedders start with, has no head yet.
                assertEquals(-1, e.getClusterId(), "no SCAN head, no cluster");
            } else {
                assertTrue(
                        e.getClusterId() >= 0
                                && e.getClusterId() < clusters
                                && e.getClusterProbability() > 0
                                && e.getClusterProbability() <= 1,
                        "the SCAN cluster of " + e.getImageId());
            }
        }
        assertEquals(ids.size(), out.size(), "one embedding per valid image");
        assertEquals(ids, new HashSet<>(seen), "the embedded ids are the input ids");

        try (VectorSearch index = new VectorSearch(Path.of(cfg.stores().indexDir()))) {
            long docs = index.versions().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            assertEquals(ids.size(), docs, "one index document per valid image: none lost, none duplicated");
            for (EmbeddingEvent e : out.subList(0, 50)) {
                float[] expected = new float[e.getDim()];
                for (int d = 0; d < expected.length; d++) {
                    expected[d] = e.getVector().get(d);
                }
                assertArrayEquals(
                        expected,
                        index.vectorOf(e.getImageId(), e.getModelVersion()).orElseThrow());
                // Its own vector is a top hit (score 1; generated images can have near twins).
                List<VectorSearch.Hit> hits = index.search(expected, 5, e.getModelVersion());
                assertTrue(hits.stream().anyMatch(h -> h.imageId().equals(e.getImageId())), hits.toString());
                assertEquals(1.0, hits.get(0).score(), 1e-4);
            }
        }
        return out;
    }

    /** Runs the job until it has completed this many checkpoints, cancels it; its newest retained one. */
    static Path cancelAfterCheckpoints(JobConfig cfg, int checkpoints, Path dir) throws Exception {
        try (LocalFlink flink = LocalFlink.start(0, "9250-9399", 4)) {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(OxbowJob.flinkConfiguration(cfg));
            OxbowJob.build(env, cfg);
            JobID job = flink.submit(env);
            while (flink.completedCheckpoints(job) < checkpoints) {
                Thread.sleep(100);
            }
            flink.cancel(job);
        }
        return latestCheckpoint(dir);
    }

    /** The newest retained checkpoint under a checkpoint directory. */
    static Path latestCheckpoint(Path checkpoints) throws Exception {
        try (var dirs = Files.walk(checkpoints, 2)) {
            return dirs.filter(
                            d -> d.getFileName().toString().startsWith("chk-") && Files.exists(d.resolve("_metadata")))
                    .max(java.util.Comparator.comparingInt(
                            d -> Integer.parseInt(d.getFileName().toString().substring(4))))
                    .orElseThrow();
        }
    }

    static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mocov2", "nnclr"})
    void everyImageIsEmbeddedOnceAndTheTrainerLearns(String method, @TempDir Path runDir) throws Exception {
        JobConfig base = config("e2e-" + method, method, runDir);
        JobConfig cfg;
        if (method.equals("nnclr")) {
            // Back-pressure (the default) ends training right after the last image, so the trainer's
            // last version can reach an embedder before that embedder's last images (the inputs are
            // independent).
            cfg = base.withEmbedders(base.embedders().withParallelism(2));
        } else {
            // The trainer on the shared stream, sampling what it cannot train on.
            TrainerOptions o = base.training().options();
            cfg = base.withTraining(base.training()
                    .withOptions(trainerOptions(
                            runDir,
                            o.progressIntervalMs(),
                            o.publishEverySteps(),
                            TrainerOptions.Pace.SAMPLE,
                            o.failAtStep())));
        }
        Set<String> ids = produce(cfg, 2_000, List.of());
        long checkpoints = runJob(cfg);

        assertExactlyOneEmbeddingPerImage(cfg, ids);
        assertEquals(
                0,
                TopicReader.readCommitted(cfg.kafka().client(), cfg.kafka().deadLettersTopic(), DeadLetter.class)
                        .size());
        assertTrue(checkpoints > 0, "checkpoints completed");

        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("losses.csv"))) {
            losses.add(Double.parseDouble(line.split(",")[1]));
        }
        // One update per event: floor(2000 / 32) steps of 32 once the stream has ended.
        assertEquals(2_000 / BATCH, losses.size(), "steps earned by the stream");
        Map<String, String> summary = RunDirectory.summary(runDir);
        assertEquals(String.valueOf(2_000 / BATCH * BATCH), summary.get("images_trained"));
        assertEquals("2000", summary.get("replay_admitted"), "every image entered the replay buffer");
        double early = mean(losses.subList(4, 14));
        double late = mean(losses.subList(losses.size() - 10, losses.size()));
        assertTrue(late < early, "loss falls: " + early + " -> " + late);

        try (SslTrainer t = new SslTrainer(cfg.training().trainer())) {
            t.restore(Files.readAllBytes(runDir.resolve("final-state.bin")));
            assertEquals(losses.size(), t.steps());
            long filled = t.method() instanceof MoCoV2Plus m
                    ? m.queue(0).filled()
                    : ((Nnclr) t.method()).supportSet().filled();
            assertEquals(64, filled, "queue / support set full");
        }
    }

    @Test
    void failoverAndBadInputLoseNothingAndDuplicateNothing(@TempDir Path runDir) throws Exception {
        JobConfig base = config("failover", "mocov2", runDir);
        // SCAN on, self-labelling too: its head, bank and moments fail over with the rest.
        TrainerConfig.Builder scan = base.training().trainer().toBuilder();
        scan.scanClusters = 5;
        scan.scanSelfLabel = true;
        TrainerOptions options = base.training().options();
        JobConfig cfg = base.withTraining(base.training()
                        .withTrainer(scan.build())
                        .withOptions(trainerOptions(
                                runDir, options.progressIntervalMs(), options.publishEverySteps(), options.pace(), 25)))
                .withCheckpoints(base.checkpoints().withIntervalMs(500))
                .withEmbedders(base.embedders().withParallelism(2));
        // The hand-made broken events, then 2,000 fuzzed ones (FuzzEvents), each expected to end
        // as the decode step alone says: embedded, or dead-lettered with that reason.
        Map<byte[], String> bad = new LinkedHashMap<>(BadEvents.all());
        List<byte[]> validFuzzed = new ArrayList<>();
        ImageDecoder decoder = cfg.decoding().decoder();
        FuzzEvents fuzz = new FuzzEvents(7, System.currentTimeMillis());
        Set<String> fuzzedIds = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            byte[] value = fuzz.event(i).value();
            DecodeImages.Outcome o =
                    DecodeImages.outcome(decoder, new RawRecord(cfg.kafka().imagesTopic(), 0, i, 0, value));
            if (o.image() == null) {
                bad.put(value, o.reason().name());
            } else if (!o.image().id.startsWith("gen") && fuzzedIds.add(o.image().id)) {
                validFuzzed.add(value);
            }
        }
        List<byte[]> extra = new ArrayList<>(bad.keySet());
        extra.addAll(validFuzzed);
        Collections.shuffle(extra, new java.util.Random(3));
        Set<String> ids = produce(cfg, 1_500, extra);
        ids.addAll(fuzzedIds);
        runJob(cfg);

        assertExactlyOneEmbeddingPerImage(cfg, ids);
        List<DeadLetter> dead =
                TopicReader.readCommitted(cfg.kafka().client(), cfg.kafka().deadLettersTopic(), DeadLetter.class);
        List<String> reasons = new ArrayList<>();
        for (DeadLetter d : dead) {
            reasons.add(d.getReason());
            assertTrue(d.getMessage().length() > 0);
            assertEquals(cfg.kafka().imagesTopic(), d.getTopic());
        }
        List<String> expected = new ArrayList<>(bad.values());
        Collections.sort(expected);
        Collections.sort(reasons);
        assertEquals(expected, reasons, "one dead letter per broken event, with its reason");
        Set<ByteBuffer> originals = new HashSet<>();
        dead.forEach(d -> originals.add(d.getOriginal()));
        for (byte[] b : bad.keySet()) {
            assertTrue(
                    originals.contains(ByteBuffer.wrap(b, 0, Math.min(b.length, DecodeImages.MAX_ORIGINAL_BYTES))
                            .slice()),
                    "dead letter keeps the original bytes (the first 256 KiB)");
        }

        // The trainer's inbox, replay buffer and credit are restored with the source offsets: every
        // valid image entered the buffer exactly once across the failure (none lost, none twice),
        // and the steps are those the stream earned.
        Map<String, String> summary = RunDirectory.summary(runDir);
        assertEquals(String.valueOf(ids.size()), summary.get("replay_admitted"));
        assertEquals(String.valueOf(ids.size() / BATCH * BATCH), summary.get("images_trained"));

        String events = Files.readString(runDir.resolve("trainer-events.log"));
        assertTrue(events.contains("restored step="), "the trainer restarted from a checkpoint: " + events);
        // SCAN went through the failover: its bank and head are in the final state, the head in the registry.
        try (SslTrainer t = new SslTrainer(cfg.training().trainer())) {
            t.restore(Files.readAllBytes(runDir.resolve("final-state.bin")));
            assertEquals(
                    Math.min(ScanStage.BANK, t.stats().imagesTrained()),
                    t.scan().bankFill());
        }
        assertEquals(
                5,
                new ModelRegistry(Path.of(cfg.stores().modelsDir()))
                        .latest()
                        .clusterHead()
                        .clusters());
    }

    /**
     * A bounded run cancelled after a checkpoint, then restored into a new job (as `run --bounded
     * --restore` does): the restored job must end, with every image embedded exactly once across
     * the two jobs and the restored trainer's versions in a lineage of their own.
     */
    @Test
    void aBoundedRunRestoredFromARetainedCheckpointFinishes(@TempDir Path runDir) throws Exception {
        JobConfig base = config("resumed", "simclr", runDir);
        JobConfig cfg = base.withCheckpoints(base.checkpoints().withIntervalMs(500));
        Set<String> ids = produce(cfg, 600, List.of());
        Path checkpoint = cancelAfterCheckpoints(cfg, 2, runDir.resolve("checkpoints"));
        JobConfig restored = cfg.withCheckpoints(cfg.checkpoints()
                .restoring(
                        checkpoint.toUri().toString(),
                        runDir.resolve("checkpoints-resumed").toUri().toString()));
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofMinutes(4), () -> runJob(restored), "the restored bounded job ends");
        assertExactlyOneEmbeddingPerImage(restored, ids);
        assertTrue(Files.exists(runDir.resolve("final-state.bin")), "the bounded run wrote its final state");
        assertTrue(Files.readString(runDir.resolve("trainer-events.log")).contains("lineage=1 forked from job"));
    }

    /**
     * An injected collapse: a constant (all-black) stream gives identical views, hence identical
     * projections. The alarm must trip and hold the published version at 0.
     */
    @Test
    void aConstantStreamTripsTheCollapseAlarmAndHoldsTheModelVersion(@TempDir Path runDir) throws Exception {
        JobConfig base = config("collapse", "mocov2", runDir);
        TrainerOptions o = base.training().options();
        assertTrue(o.holdOnCollapse(), "the versions are held by default");
        JobConfig cfg = base.withTraining(base.training()
                .withOptions(trainerOptions(runDir, o.progressIntervalMs(), 1, o.pace(), o.failAtStep())));
        Set<String> ids = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = cfg.kafka().client().bytesProducer(Map.of())) {
            for (int i = 0; i < 10 * BATCH; i++) {
                ImageEvent e = BadEvents.event(
                        "black-" + i, ai.oxbow.schemas.Encoding.RAW_U8, SIZE, SIZE, 1, new byte[SIZE * SIZE]);
                ids.add(e.getId());
                producer.send(new ProducerRecord<>(
                        cfg.kafka().imagesTopic(), e.getId().getBytes(), Avro.encode(e)));
            }
        }
        runJob(cfg);

        assertTrue(
                Files.readString(runDir.resolve("trainer-events.log")).contains("collapse_alarm on"),
                "the alarm tripped");
        List<EmbeddingEvent> out =
                TopicReader.readCommitted(cfg.kafka().client(), cfg.kafka().embeddingsTopic(), EmbeddingEvent.class);
        assertEquals(ids.size(), out.size());
        assertTrue(out.stream().allMatch(e -> e.getModelVersion() == 0), "no version published while collapsed");
    }
}
