package ai.oxbow.pipeline.kafka;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

/**
 * A bounded {@link KafkaSource} that also ends when restored. flink-connector-kafka 5.0.0's
 * enumerator tells its readers "no more splits" only after a partition discovery that found
 * partitions to assign; restored with every partition already assigned it finds none, never tells
 * them, and a bounded job restored from a checkpoint never finishes (its readers wait for splits
 * forever; compare FLINK-31006). Here a restored bounded enumerator lists the topic's partitions
 * once: if the checkpoint had assigned all of them, the readers are told there are no more splits
 * (new partitions, if any, are left to the connector, which then ends the source itself).
 */
public final class RestorableBoundedSource<T>
        implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
    private final KafkaSource<T> kafka;
    private final KafkaClient client;
    private final String topic;

    public RestorableBoundedSource(KafkaSource<T> kafka, KafkaClient client, String topic) {
        this.kafka = kafka;
        this.client = client;
        this.topic = topic;
    }

    @Override
    public Boundedness getBoundedness() {
        return kafka.getBoundedness();
    }

    @Override
    public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
        return kafka.createReader(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context) throws Exception {
        return kafka.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws Exception {
        SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored = kafka.restoreEnumerator(context, state);
        if (kafka.getBoundedness() != Boundedness.BOUNDED
                || !state.unassignedSplits().isEmpty()) {
            return restored;
        }
        Set<TopicPartition> assigned = state.assignedSplits().stream()
                .map(KafkaPartitionSplit::getTopicPartition)
                .collect(Collectors.toSet());
        return new Ending(restored, context, assigned);
    }

    @Override
    public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
        return kafka.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
        return kafka.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return kafka.getProducedType();
    }

    /** The restored enumerator, plus the "no more splits" it would not send. */
    private final class Ending implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
        private final SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored;
        private final SplitEnumeratorContext<KafkaPartitionSplit> context;
        private final Set<TopicPartition> assigned;
        /** Set on the coordinator thread once the topic has no partition the checkpoint had not assigned. */
        private boolean allAssigned;

        Ending(
                SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored,
                SplitEnumeratorContext<KafkaPartitionSplit> context,
                Set<TopicPartition> assigned) {
            this.restored = restored;
            this.context = context;
            this.assigned = assigned;
        }

        @Override
        public void start() {
            restored.start();
            context.callAsync(this::partitions, (partitions, error) -> {
                if (error != null) {
                    throw new IllegalStateException("cannot list the partitions of " + topic, error);
                }
                if (assigned.containsAll(partitions)) {
                    allAssigned = true;
                    context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
                }
            });
        }

        private Set<TopicPartition> partitions() throws Exception {
            try (Admin admin = Admin.create(client.admin())) {
                Set<TopicPartition> out = new HashSet<>();
                admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get()
                        .get(topic)
                        .partitions()
                        .forEach(p -> out.add(new TopicPartition(topic, p.partition())));
                return out;
            }
        }

        @Override
        public void addReader(int subtaskId) {
            restored.addReader(subtaskId);
            if (allAssigned) {
                context.signalNoMoreSplits(subtaskId);
            }
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            restored.handleSplitRequest(subtaskId, requesterHostname);
        }

        @Override
        public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtaskId) {
            restored.addSplitsBack(splits, subtaskId);
        }

        @Override
        public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
            return restored.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            restored.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void close() throws IOException {
            restored.close();
        }
    }
}
