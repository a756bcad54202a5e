package ai.oxbow.pipeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.pipeline.index.IndexSink;
import ai.oxbow.pipeline.index.IndexTarget;
import ai.oxbow.pipeline.index.SolrTarget;
import ai.oxbow.pipeline.index.VectorDoc;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.Broker;
import ai.oxbow.pipeline.kafka.TopicReader;
import ai.oxbow.schemas.EmbeddingEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.solr.client.solrj.SolrQuery;
import org.apache.solr.client.solrj.SolrServerException;
import org.apache.solr.client.solrj.impl.CloudSolrClient;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.SolrDocumentList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job writing into a real SolrCloud: ZooKeeper and two Solr nodes, each its own JVM, started
 * by deploy/solr's scripts as a user starts them, with a collection of 2 shards x 2 replicas; a
 * real broker and a Flink MiniCluster. Every count is read back from Solr as a searcher sees it.
 */
class SolrIT {
    static final Path DEPLOY = Path.of("..", "deploy", "solr").toAbsolutePath().normalize();
    static final String COLLECTION = "it";

    @RegisterExtension
    static final Broker kafka = new Broker();

    static Map<String, String> env;
    static String zk;
    static CloudSolrClient solr;

    @BeforeAll
    static void startSolrCloud() throws Exception {
        int zkPort = freePort(1);
        int solrPort = freePort(2);
        zk = "127.0.0.1:" + zkPort;
        env = Map.of(
                "OXBOW_SOLR_DATA", Files.createTempDirectory("oxbow-solr-it").toString(),
                "OXBOW_SOLR_ZK", String.valueOf(zkPort),
                "OXBOW_SOLR_PORT", String.valueOf(solrPort),
                "OXBOW_SOLR_HEAP", "384m");
        script("start.sh", "--nodes", "2", "--collection", COLLECTION, "--shards", "2", "--replicas", "2");
        solr = SolrTarget.client(zk);
    }

    @AfterAll
    static void stopSolrCloud() throws Exception {
        if (solr != null) {
            solr.close();
        }
        if (env != null) {
            script("stop.sh", "--purge");
        }
    }

    /** Runs one of deploy/solr's scripts on this test's cluster; fails with its output when it does. */
    static void script(String name, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(List.of("bash", DEPLOY.resolve(name).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), name + ": " + out);
    }

    /** What a searcher of the collection sees. */
    static long documents(String collection) throws IOException, SolrServerException {
        return solr.query(collection, new SolrQuery("*:*").setRows(0))
                .getResults()
                .getNumFound();
    }

    /** The first of {@code n} consecutive free ports on 127.0.0.1 (node i listens on the i-th). */
    static int freePort(int n) throws IOException {
        while (true) {
            int first;
            try (ServerSocket s = new ServerSocket(0)) {
                first = s.getLocalPort();
            }
            boolean free = true;
            for (int i = 1; i < n && free; i++) {
                try (ServerSocket s = new ServerSocket(first + i)) {
                    free = s.isBound();
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
    }

    /**
     * A run cancelled after two checkpoints, then restored, with a sink of parallelism 2: every
     * valid image ends with exactly one document, under the version Kafka's embedding of it has,
     * with that embedding's vector, and a kNN query within that version finds it.
     */
    @Test
    void everyImageHasOneDocumentPerVersionAcrossARestore(@TempDir Path runDir) throws Exception {
        JobConfig base = PipelineIT.config(kafka.client(), "solr", "simclr", runDir);
        JobConfig cfg = base.withStores(
                        new JobConfig.Stores(base.stores().modelsDir(), null, new JobConfig.Solr(zk, COLLECTION, 2)))
                .withCheckpoints(base.checkpoints().withIntervalMs(500));
        Set<String> ids = PipelineIT.produce(cfg, 300, List.of());
        Path checkpoint = PipelineIT.cancelAfterCheckpoints(cfg, 2, runDir.resolve("checkpoints"));
        JobConfig restored = cfg.withCheckpoints(cfg.checkpoints()
                .restoring(
                        checkpoint.toUri().toString(),
                        runDir.resolve("checkpoints-resumed").toUri().toString()));
        assertTimeoutPreemptively(Duration.ofMinutes(4), () -> PipelineIT.runJob(restored), "the restored job ends");

        List<EmbeddingEvent> out =
                TopicReader.readCommitted(cfg.kafka().client(), cfg.kafka().embeddingsTopic(), EmbeddingEvent.class);
        assertEquals(ids.size(), out.size(), "one embedding per valid image in Kafka");
        Set<String> expected = out.stream()
                .map(e -> e.getImageId() + "@" + e.getModelVersion())
                .collect(Collectors.toSet());
        SolrDocumentList docs = solr.query(
                        COLLECTION,
                        new SolrQuery("*:*").setRows(ids.size() * 2).setFields("id", "image_id", "model_version"))
                .getResults();
        assertEquals(ids.size(), docs.getNumFound(), "one document per valid image: none lost, none twice");
        Set<String> keys = new HashSet<>();
        Set<String> imageIds = new HashSet<>();
        for (SolrDocument d : docs) {
            keys.add((String) d.getFieldValue("id"));
            imageIds.add((String) d.getFieldValue("image_id"));
        }
        assertEquals(expected, keys, "each image under the version that embedded it");
        assertEquals(ids, imageIds);

        EmbeddingEvent e = out.get(out.size() / 2);
        String vector = e.getVector().stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
        SolrDocumentList hits = solr.query(
                        COLLECTION,
                        new SolrQuery("{!knn f=vector topK=5}" + vector)
                                .addFilterQuery("model_version:" + e.getModelVersion())
                                .setFields("image_id", "vector", "score"))
                .getResults();
        // Solr's cosine score is (1 + cos) / 2: 1 for the vector itself (generated images can have near twins).
        assertEquals(1.0, ((Number) hits.get(0).getFieldValue("score")).doubleValue(), 1e-4);
        SolrDocument self = hits.stream()
                .filter(h -> h.getFieldValue("image_id").equals(e.getImageId()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("its own vector among the hits: " + hits));
        assertEquals(e.getVector(), self.getFieldValues("vector"), "the document holds the embedding's vector");
    }

    /** An embedding of {@code dim} dimensions, pointing its own way. */
    static EmbeddingEvent embedding(int i, int dim) {
        List<Float> vector = new ArrayList<>();
        for (int d = 0; d < dim; d++) {
            vector.add(d == i % dim ? 1f : 0.1f * (i / dim + 1));
        }
        return EmbeddingEvent.newBuilder()
                .setImageId("img-" + i)
                .setEventTime(Instant.ofEpochMilli(1_000 + i))
                .setModelVersion(7)
                .setMethod("simclr")
                .setEncoderName("small-cnn")
                .setDim(dim)
                .setVector(vector)
                .setClusterId(i % 3)
                .build();
    }

    /** The index sink on a collection, restored from {@code state} as checkpoint {@code restored} (-1: none). */
    static OneInputStreamOperatorTestHarness<EmbeddingEvent, Void> sink(
            String collection, OperatorSubtaskState state, long restored) throws Exception {
        return sink(new SolrTarget.Spec(zk, collection, SolrTarget.Retry.DEFAULT), state, restored);
    }

    static OneInputStreamOperatorTestHarness<EmbeddingEvent, Void> sink(
            SolrTarget.Spec spec, OperatorSubtaskState state, long restored) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<EmbeddingEvent, Void>(new IndexSink(spec));
        if (state != null) {
            h.setRestoredCheckpointId(restored);
            h.initializeState(state);
        }
        h.open();
        return h;
    }

    static Map<String, Long> versions(String collection) throws Exception {
        Map<String, Long> out = new HashMap<>();
        solr.query(collection, new SolrQuery("*:*").setRows(100).setFields("id", "_version_"))
                .getResults()
                .forEach(d -> out.put((String) d.getFieldValue("id"), (Long) d.getFieldValue("_version_")));
        return out;
    }

    /**
     * The sink against a real collection, checkpoint by checkpoint: nothing is visible before its
     * checkpoint completes; a restore re-applies the logged documents of the restored checkpoint,
     * which Solr already holds (their completion notice came before the failure), and they
     * replace themselves; a new run refuses the collection now that it holds documents, and a
     * vector of another dimension than the collection's is refused, failing the job without restarts.
     */
    @Test
    void aRestoredSinkReappliesItsLogAndDuplicatesNothing() throws Exception {
        script("collection.sh", "small", "--shards", "2", "--replicas", "1", "--dim", "8");
        OperatorSubtaskState state;
        try (var h = sink("small", null, -1)) {
            for (int i = 0; i < 10; i++) {
                h.processElement(embedding(i, 8), i);
            }
            h.snapshot(1, 1);
            assertEquals(0, documents("small"), "nothing visible before its checkpoint completes");
            h.notifyOfCompletedCheckpoint(1);
            assertEquals(10, documents("small"));
            h.processElement(embedding(10, 8), 10);
            state = h.snapshot(2, 2);
            h.notifyOfCompletedCheckpoint(2);
        }
        Map<String, Long> before = versions("small");
        assertEquals(11, before.size());
        try (var h = sink("small", state, 2)) {
            Map<String, Long> after = versions("small");
            assertEquals(before.keySet(), after.keySet(), "re-applied, not added");
            assertTrue(after.get("img-10@7") > before.get("img-10@7"), "checkpoint 2's document was written again");
            assertEquals(before.get("img-0@7"), after.get("img-0@7"), "checkpoint 1's was not");
        }
        assertEquals(
                3,
                solr.query("small", new SolrQuery("cluster_id:2")).getResults().getNumFound(),
                "2, 5 and 8");

        Exception earlier =
                assertThrows(Exception.class, () -> sink("small", null, -1).close());
        assertTrue(rootMessage(earlier).contains("holds 11 documents of an earlier run"), rootMessage(earlier));
        try (IndexTarget target = new SolrTarget.Spec(zk, "small", SolrTarget.Retry.DEFAULT).open()) {
            target.resume(0, List.of());
            VectorDoc big =
                    new VectorDoc("a", 3, "simclr", "small-cnn", 1, 0, new float[256], null, VectorDoc.NO_CLUSTER);
            SuppressRestartsException refused = assertThrows(SuppressRestartsException.class, () -> target.accept(big));
            assertTrue(refused.getCause().getMessage().contains("vectors of 8 dimensions"), refused.getMessage());
        }
    }

    /**
     * A node killed (SIGKILL) while a checkpoint's documents are due, its shard without another
     * replica: the sink waits through its retries, then fails; the node restarted, the restored
     * sink writes the checkpoint's documents, and none is lost.
     */
    @Test
    void aNodeDownHoldsTheSinkThenFailsItAndTheRestoreLosesNothing() throws Exception {
        script("collection.sh", "outage", "--shards", "2", "--replicas", "1", "--dim", "8");
        OperatorSubtaskState state;
        var h = sink(new SolrTarget.Spec(zk, "outage", new SolrTarget.Retry(3, 500, 1_000)), null, -1);
        try {
            for (int i = 0; i < 20; i++) {
                h.processElement(embedding(i, 8), i);
            }
            state = h.snapshot(1, 1);
            script("node.sh", "kill", "2");
            long start = System.nanoTime();
            Exception failed = assertThrows(Exception.class, () -> h.notifyOfCompletedCheckpoint(1));
            assertTrue(chain(failed).contains("failed 3 times; giving up"), chain(failed));
            assertTrue(System.nanoTime() - start >= 1_500_000_000L, "it waited through its back-off (0.5 s + 1 s)");
        } finally {
            h.close();
            script("node.sh", "start", "2");
        }
        try (var restored = sink("outage", state, 1)) {
            assertEquals(20, documents("outage"), "every document of the checkpoint, once");
        }
    }

    /** Every message of the cause chain. */
    static String chain(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            out.append(t).append('\n');
        }
        return out.toString();
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
