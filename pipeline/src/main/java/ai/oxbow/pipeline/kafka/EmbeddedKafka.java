package ai.oxbow.pipeline.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft broker (combined broker and controller) in this process, for the
 * embedded demo and the tests. Transactions are allowed to run for up to an hour, as Flink's
 * exactly-once sink needs.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() throws Exception {
        return start(Map.of(), Map.of());
    }

    /**
     * With further client listeners, e.g. SSL or SASL_SSL, each on 127.0.0.1 at a port of its own
     * ({@link #port}), besides the PLAINTEXT ones of the test kit ({@link #bootstrapServers()}, also
     * the inter-broker listener, and the controller's).
     *
     * @param listeners    listener name to its security protocol
     * @param brokerConfig what those listeners need (keystore, SASL mechanisms, JAAS), over the defaults
     */
    public static EmbeddedKafka start(Map<String, SecurityProtocol> listeners, Map<String, String> brokerConfig)
            throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("transaction.max.timeout.ms", "3600000")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("message.max.bytes", String.valueOf(Topics.MAX_MESSAGE_BYTES));
        if (!listeners.isEmpty()) {
            // These replace the test kit's listeners: its two are listed again under their names,
            // which keeps their pre-bound ports; the others bind port 0, and the broker registers
            // the ports it got.
            Map<String, SecurityProtocol> all = new LinkedHashMap<>();
            all.put(nodes.brokerListenerName().value(), nodes.brokerListenerProtocol());
            all.put(nodes.controllerListenerName().value(), nodes.controllerListenerProtocol());
            all.putAll(listeners);
            builder.setConfigProp(
                    "listeners",
                    all.keySet().stream()
                            .map(name ->
                                    name + "://" + (listeners.containsKey(name) ? "127.0.0.1" : "localhost") + ":0")
                            .collect(Collectors.joining(",")));
            builder.setConfigProp(
                    "listener.security.protocol.map",
                    all.entrySet().stream()
                            .map(e -> e.getKey() + ":" + e.getValue().name)
                            .collect(Collectors.joining(",")));
        }
        brokerConfig.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        // Formatting prints to stdout, which belongs to the commands' JSON summaries.
        java.io.PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            cluster.format();
        } finally {
            System.setOut(stdout);
        }
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** The port a listener given to {@link #start(Map, Map)} is bound to. */
    public int port(String listener) {
        return cluster.brokers().values().iterator().next().boundPort(ListenerName.normalised(listener));
    }

    /** The PLAINTEXT listener, as Oxbow's clients take it. */
    public KafkaClient client() {
        return KafkaClient.of(bootstrapServers());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
