package ai.oxbow.pipeline.it;

import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.SecuredKafka;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job with its sources, sinks and enumerator on a SASL_SSL (SCRAM-SHA-512) listener only. */
class SecuredPipelineIT {
    @Test
    void aBoundedJobOverSaslSslEmbedsEveryImageOnce(@TempDir Path dir) throws Exception {
        try (SecuredKafka secured = SecuredKafka.start(dir)) {
            KafkaClient client = KafkaClient.of(
                    secured.saslSslBootstrap(), secured.saslSslPairs(SecuredKafka.USER, SecuredKafka.PASSWORD), null);
            JobConfig cfg = PipelineIT.config(client, "sasl", "mocov2", dir.resolve("run"));
            Set<String> ids = PipelineIT.produce(cfg, 64, List.of());
            PipelineIT.runJob(cfg);
            PipelineIT.assertExactlyOneEmbeddingPerImage(cfg, ids);
        }
    }
}
