package ai.oxbow.pipeline.index;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.solr.client.solrj.SolrQuery;
import org.apache.solr.client.solrj.SolrServerException;
import org.apache.solr.client.solrj.impl.CloudSolrClient;
import org.apache.solr.client.solrj.request.UpdateRequest;
import org.apache.solr.client.solrj.request.schema.FieldTypeDefinition;
import org.apache.solr.client.solrj.request.schema.SchemaRequest;
import org.apache.solr.client.solrj.response.schema.SchemaRepresentation;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrInputDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SolrCloud collection as the sink's target, through SolrJ's ZooKeeper-aware client (updates go
 * to each shard's leader, which forwards them to its replicas). A document's {@code id} is
 * {@code imageId@version}, so a re-applied write replaces itself and the sink can write from any
 * number of subtasks. {@link #commit} is a hard commit that opens a new searcher on every replica:
 * durable and visible to every reader of the collection when it returns. Solr keeps no record of
 * Flink checkpoints, so after a restore the sink re-applies every logged document.
 *
 * <p>Every request is retried with exponential back-off ({@link Retry}) while the cluster is down
 * or a shard has no leader, holding the sink (back-pressure); then it fails, and with it the task,
 * and Flink restores the last checkpoint. A collection whose schema does not fit, or a vector of
 * another dimension than the collection's, fails the job without restarts: that needs a person.
 * A job that starts without a restore refuses a collection that already holds documents: versions
 * are trainer steps, so a new run would overwrite an earlier run's vectors.
 */
public final class SolrTarget implements IndexTarget {
    private static final Logger LOG = LoggerFactory.getLogger(SolrTarget.class);
    static final String VECTOR = "vector";
    /** The fields the sink writes and the field type class each needs (the schema of deploy/solr/configset). */
    static final Map<String, String> FIELDS = Map.of(
            "id",
            "StrField",
            "image_id",
            "StrField",
            "model_version",
            "LongPointField",
            "method",
            "StrField",
            "encoder",
            "StrField",
            "label",
            "IntPointField",
            "event_time",
            "DatePointField",
            "cluster_id",
            "IntPointField",
            "thumbnail",
            "BinaryField",
            VECTOR,
            "DenseVectorField");
    /** Documents per update request. */
    private static final int BATCH = 500;

    /**
     * Retries of one request: {@code attempts} in all, waiting {@code firstBackoffMs}, doubling up to
     * {@code maxBackoffMs}, between them.
     */
    public record Retry(int attempts, long firstBackoffMs, long maxBackoffMs) implements java.io.Serializable {
        /** About 24 s of waiting (0.5 + 1 + 2 + 4 + 8 + 8): a leader election, a node restarting. */
        public static final Retry DEFAULT = new Retry(7, 500, 8_000);
    }

    /**
     * @param zkHost     the cluster's ZooKeeper, {@code HOST:PORT[,HOST:PORT...][/chroot]}
     * @param collection a collection (or alias) with Oxbow's schema
     */
    public record Spec(String zkHost, String collection, Retry retry) implements IndexTarget.Spec {
        @Override
        public IndexTarget open() {
            return new SolrTarget(this);
        }

        @Override
        public int maxParallelism() {
            return Integer.MAX_VALUE;
        }
    }

    private final Spec spec;
    private final CloudSolrClient client;
    private int dimension;

    private SolrTarget(Spec spec) {
        this.spec = spec;
        this.client = client(spec.zkHost());
    }

    /** SolrJ's client of the cluster; TLS and authentication come from SolrJ's system properties. */
    public static CloudSolrClient client(String zkHost) {
        int slash = zkHost.indexOf('/');
        List<String> hosts = List.of((slash < 0 ? zkHost : zkHost.substring(0, slash)).split(","));
        Optional<String> chroot = slash < 0 ? Optional.empty() : Optional.of(zkHost.substring(slash));
        return new CloudSolrClient.Builder(hosts, chroot)
                .withZkConnectTimeout(15, TimeUnit.SECONDS)
                .withZkClientTimeout(30, TimeUnit.SECONDS)
                .build();
    }

    @Override
    public long resume(long restoredCheckpoint, List<String> recorded) throws IOException {
        SchemaRepresentation schema = retried(
                        "reading the schema", () -> new SchemaRequest().process(client, spec.collection()))
                .getSchemaRepresentation();
        dimension = checkSchema(schema);
        if (restoredCheckpoint < 0) {
            long held = retried(
                            "counting documents",
                            () -> client.query(spec.collection(), new SolrQuery("*:*").setRows(0)))
                    .getResults()
                    .getNumFound();
            if (held > 0) {
                throw refusal("holds " + held + " documents of an earlier run: restore that job from its"
                        + " checkpoint, or give a new job a new collection");
            }
        }
        return -1;
    }

    /** The collection's vector dimension, once every field the sink writes is there with its type. */
    private int checkSchema(SchemaRepresentation schema) {
        Map<String, String> typeOfField = new HashMap<>();
        schema.getFields().forEach(f -> typeOfField.put((String) f.get("name"), (String) f.get("type")));
        Map<String, Map<String, Object>> types = new HashMap<>();
        for (FieldTypeDefinition t : schema.getFieldTypes()) {
            types.put((String) t.getAttributes().get("name"), t.getAttributes());
        }
        List<String> problems = new ArrayList<>();
        FIELDS.forEach((field, kind) -> {
            String type = typeOfField.get(field);
            String cls = type == null ? null : String.valueOf(types.get(type).get("class"));
            if (type == null) {
                problems.add("no field " + field);
            } else if (!cls.endsWith("." + kind)) {
                problems.add(field + " is a " + cls + ", not a solr." + kind);
            }
        });
        if (!"id".equals(schema.getUniqueKey())) {
            problems.add("its unique key is " + schema.getUniqueKey() + ", not id");
        }
        Map<String, Object> vector = problems.isEmpty() ? types.get(typeOfField.get(VECTOR)) : Map.of();
        if (problems.isEmpty() && !"cosine".equals(String.valueOf(vector.get("similarityFunction")))) {
            problems.add("its vector similarity is " + vector.get("similarityFunction") + ", not cosine");
        }
        if (!problems.isEmpty()) {
            throw refusal("does not have Oxbow's schema (" + String.join("; ", problems)
                    + "): create it with deploy/solr/collection.sh, or from deploy/solr/configset");
        }
        return Integer.parseInt(String.valueOf(vector.get("vectorDimension")));
    }

    @Override
    public void accept(VectorDoc doc) {
        if (doc.vector().length != dimension) {
            throw refusal("holds vectors of " + dimension + " dimensions; model version " + doc.modelVersion() + " ("
                    + doc.encoder() + ") makes " + doc.vector().length + ": write it to a collection created with"
                    + " --dim " + doc.vector().length + " (deploy/solr/collection.sh)");
        }
    }

    /** The job cannot go on with this collection: fail it, without restarts that would only repeat this. */
    private SuppressRestartsException refusal(String problem) {
        return new SuppressRestartsException(new IllegalStateException(
                "Solr collection " + spec.collection() + " (ZooKeeper " + spec.zkHost() + ") " + problem));
    }

    @Override
    public String recorded() {
        return null;
    }

    @Override
    public int write(List<VectorDoc> docs) throws IOException {
        List<SolrInputDocument> batch = new ArrayList<>(BATCH);
        int written = 0;
        for (VectorDoc d : docs) {
            if (!VectorIndex.hasDirection(d.vector())) {
                continue;
            }
            batch.add(document(d));
            written++;
            if (batch.size() == BATCH) {
                send(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
        if (!batch.isEmpty()) {
            send(batch);
        }
        return written;
    }

    private void send(List<SolrInputDocument> batch) throws IOException {
        UpdateRequest update = new UpdateRequest();
        update.add(batch);
        retried("writing " + batch.size() + " documents", () -> update.process(client, spec.collection()));
    }

    static String id(String imageId, long version) {
        return imageId + "@" + version;
    }

    static SolrInputDocument document(VectorDoc d) {
        SolrInputDocument doc = new SolrInputDocument();
        doc.addField("id", id(d.imageId(), d.modelVersion()));
        doc.addField("image_id", d.imageId());
        doc.addField("model_version", d.modelVersion());
        doc.addField("method", d.method());
        doc.addField("encoder", d.encoder());
        doc.addField("label", d.label());
        doc.addField("event_time", new Date(d.eventTime()));
        doc.addField("cluster_id", d.clusterId());
        if (d.thumbnail() != null) {
            doc.addField("thumbnail", d.thumbnail());
        }
        List<Float> vector = new ArrayList<>(d.vector().length);
        for (float v : d.vector()) {
            vector.add(v);
        }
        doc.addField(VECTOR, vector);
        return doc;
    }

    @Override
    public void commit(long checkpointId) throws IOException {
        retried("committing checkpoint " + checkpointId, () -> client.commit(spec.collection(), true, true));
    }

    private interface SolrCall<T> {
        T call() throws SolrServerException, IOException;
    }

    /** The call, retried with back-off while Solr is unreachable or unavailable; a request it refuses is not. */
    private <T> T retried(String what, SolrCall<T> call) throws IOException {
        Retry retry = spec.retry();
        long backoff = retry.firstBackoffMs();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (SolrServerException | IOException | SolrException e) {
                if (e instanceof SolrException s && s.code() >= 400 && s.code() < 500 && s.code() != 404) {
                    throw new IOException(what + " in Solr collection " + spec.collection() + " was refused", e);
                }
                if (attempt >= retry.attempts()) {
                    throw new IOException(
                            what + " in Solr collection " + spec.collection() + " failed " + attempt
                                    + " times; giving up (Flink restores the last checkpoint and writes again)",
                            e);
                }
                LOG.warn(
                        "{} in Solr collection {} failed (attempt {} of {}), again in {} ms: {}",
                        what,
                        spec.collection(),
                        attempt,
                        retry.attempts(),
                        backoff,
                        e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(what + " interrupted");
                }
                backoff = Math.min(backoff * 2, retry.maxBackoffMs());
            }
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
