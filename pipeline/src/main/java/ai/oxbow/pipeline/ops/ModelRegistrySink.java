package ai.oxbow.pipeline.ops;

import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import java.nio.file.Path;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * The model registry as a node of the job: every encoder version the trainer publishes becomes
 * {@code v<version>.oxm} in a directory (atomically: a temporary file, then a rename). Writing a
 * version again after a failover replaces the file with the same version's bytes, so the sink is
 * idempotent. The directory must be where every TaskManager writes and readers look (see the
 * deploy/flink/README.md).
 */
public final class ModelRegistrySink implements Sink<byte[]> {
    private final String dir;

    public ModelRegistrySink(String dir) {
        this.dir = dir;
    }

    @Override
    public SinkWriter<byte[]> createWriter(WriterInitContext context) {
        ModelRegistry registry = new ModelRegistry(Path.of(dir));
        return new SinkWriter<>() {
            @Override
            public void write(byte[] version, Context ctx) {
                registry.write(EncoderSnapshot.decode(version));
            }

            @Override
            public void flush(boolean endOfInput) {
                // each write is durable when it returns
            }

            @Override
            public void close() {}
        };
    }
}
