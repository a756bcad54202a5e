package ai.oxbow.pipeline.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates topics and waits until every partition has a leader (producing earlier fails). */
public final class Topics {
    /** Largest record the topics accept: images up to ~10 MB. */
    public static final int MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

    private Topics() {}

    public static void create(KafkaClient kafka, Map<String, Integer> partitionsByTopic) throws Exception {
        kafka.check();
        try (Admin admin = Admin.create(kafka.admin())) {
            for (Map.Entry<String, Integer> t : partitionsByTopic.entrySet()) {
                NewTopic topic = new NewTopic(t.getKey(), t.getValue(), (short) 1)
                        .configs(Map.of("max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES)));
                try {
                    admin.createTopics(List.of(topic)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            while (!allLed(admin, partitionsByTopic)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("topics have no leader after 60 s: " + partitionsByTopic.keySet());
                }
                Thread.sleep(100);
            }
        }
    }

    private static boolean allLed(Admin admin, Map<String, Integer> topics) {
        try {
            for (TopicDescription d :
                    admin.describeTopics(topics.keySet()).allTopicNames().get().values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.leader() == null || p.leader().isEmpty()) {
                        return false;
                    }
                }
            }
            return true;
        } catch (InterruptedException | ExecutionException e) {
            return false;
        }
    }
}
