package ai.oxbow.pipeline.kafka;

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
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build())
                .setConfigProp("transaction.max.timeout.ms", "3600000")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("message.max.bytes", String.valueOf(Topics.MAX_MESSAGE_BYTES))
                .build();
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

    /** The PLAINTEXT listener, as Oxbow's clients take it. */
    public KafkaClient client() {
        return KafkaClient.of(bootstrapServers());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
