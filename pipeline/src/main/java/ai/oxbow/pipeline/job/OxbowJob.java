package ai.oxbow.pipeline.job;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.index.IndexSink;
import ai.oxbow.pipeline.index.IndexTarget;
import ai.oxbow.pipeline.io.AvroRecordSerializer;
import ai.oxbow.pipeline.io.RawRecord;
import ai.oxbow.pipeline.io.RawRecordDeserializer;
import ai.oxbow.pipeline.job.JobConfig.Checkpoints;
import ai.oxbow.pipeline.kafka.RestorableBoundedSource;
import ai.oxbow.pipeline.ops.DecodeImages;
import ai.oxbow.pipeline.ops.DecodedImage;
import ai.oxbow.pipeline.ops.EmbedImages;
import ai.oxbow.pipeline.ops.ModelImage;
import ai.oxbow.pipeline.ops.ModelRegistrySink;
import ai.oxbow.pipeline.ops.ToModelInput;
import ai.oxbow.pipeline.train.IdleSource;
import ai.oxbow.pipeline.train.ReaderSettings;
import ai.oxbow.pipeline.train.TrainerOperator;
import ai.oxbow.pipeline.train.TrainerOperatorFactory;
import ai.oxbow.pipeline.train.TrainerOptions;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.EmbeddingEvent;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The job graph, in one place:
 *
 * <pre>
 * Kafka images ─▶ decode &amp; validate ─▶ model input ─▶ embedders (p = N) ─┬─▶ Kafka embeddings
 *                     │                                      ▲          └─▶ search index: Lucene HNSW (p = 1)
 *                     │                                      │              or SolrCloud (p = M)
 *                     │                                      │ encoder versions (broadcast)
 * Kafka images ─▶ decode ─▶ model input ─▶ trainer (p = 1): replay buffer, own training thread
 *  (the trainer's own reader; --trainer-pace sample         └─▶ model registry (p = 1, one file per version)
 *   feeds the trainer from the first branch instead)
 *                     └─▶ dead letters (first branch only) ─▶ Kafka dead-letters
 * </pre>
 *
 * The embedders never wait for training. With the default pace the trainer reads the images topic
 * with a source of its own, chained to it in one task, so its back-pressure holds only that
 * reader, and every event is trained on; with {@code sample} it takes the shared stream's images
 * into its replay buffer as they come.
 */
public final class OxbowJob {
    private OxbowJob() {}

    /** Job-level Flink settings: checkpoints, state backend, restarts, restore path. */
    public static Configuration flinkConfiguration(JobConfig cfg) {
        Configuration conf = new Configuration();
        Checkpoints checkpoints = cfg.checkpoints();
        set(conf, "execution.checkpointing.interval", checkpoints.intervalMs() + " ms");
        set(conf, "execution.checkpointing.mode", "EXACTLY_ONCE");
        set(conf, "execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        set(conf, "execution.checkpointing.num-retained", "3");
        set(conf, "state.backend.type", "hashmap");
        // Besides a smaller state (the replay buffer's 8-bit images compress), this makes restores
        // fast: uncompressed, Flink's operator state restore reads a byte array one byte, and one
        // system call, at a time (CompressibleFSDataInputStream only overrides read()): ~45 s for
        // the trainer's 20 MB blob on a killed-TaskManager failover; compressed, the whole task
        // initialised in 5 s (scripts/chaos.sh).
        set(conf, "execution.checkpointing.snapshot-compression", "true");
        if (checkpoints.dir() != null) {
            set(conf, "execution.checkpointing.dir", checkpoints.dir());
        }
        if (checkpoints.restorePath() != null) {
            set(conf, "execution.state-recovery.path", checkpoints.restorePath());
            set(
                    conf,
                    "execution.state-recovery.ignore-unclaimed-state",
                    String.valueOf(checkpoints.allowNonRestoredState()));
        }
        // A lost TaskManager comes back in seconds, a restarting broker in tens of seconds:
        // back off from 1 s to 10 s, and give up after restartAttempts failures in a row (the
        // count resets after a minute without one).
        set(conf, "restart-strategy.type", "exponential-delay");
        set(conf, "restart-strategy.exponential-delay.initial-backoff", "1 s");
        set(conf, "restart-strategy.exponential-delay.max-backoff", "10 s");
        set(conf, "restart-strategy.exponential-delay.backoff-multiplier", "2");
        set(conf, "restart-strategy.exponential-delay.reset-backoff-threshold", "60 s");
        set(conf, "restart-strategy.exponential-delay.jitter-factor", "0.1");
        set(
                conf,
                "restart-strategy.exponential-delay.attempts-before-reset-backoff",
                String.valueOf(checkpoints.restartAttempts()));
        TrainerConfig trainer = cfg.training().trainer();
        set(conf, "pipeline.name", "oxbow " + trainer.method() + "/" + trainer.encoder());
        return conf;
    }

    public static void set(Configuration conf, String key, String value) {
        conf.set(ConfigOptions.key(key).stringType().noDefaultValue(), value);
    }

    /** Fails fast, with what failed, when Kafka cannot be reached or refuses these settings (see KafkaClient.check). */
    public static void build(StreamExecutionEnvironment env, JobConfig cfg) {
        JobConfig.Kafka kafka = cfg.kafka();
        JobConfig.Training training = cfg.training();
        JobConfig.Embedders embedders = cfg.embedders();
        kafka.client().check();
        env.setParallelism(cfg.decoding().parallelism());
        DataStream<RawRecord> raw = env.fromSource(
                        source(cfg, kafka.groupId()), WatermarkStrategy.noWatermarks(), "images")
                .uid("images-source");

        SingleOutputStreamOperator<DecodedImage> decoded = raw.process(
                        new DecodeImages(cfg.decoding().decoder(), true))
                .name("decode & validate")
                .uid("decode");
        DataStream<ModelImage> images = decoded.map(new ToModelInput(
                        training.trainer().channels(), training.trainer().size()))
                .name("model input")
                .uid("model-input");

        boolean ownReader = training.options().pace() == TrainerOptions.Pace.BACKPRESSURE;
        ReaderSettings reading = !ownReader
                ? null
                : new ReaderSettings(
                        kafka.client(),
                        kafka.imagesTopic(),
                        kafka.groupId() + "-trainer",
                        kafka.bounded(),
                        cfg.decoding().decoder(),
                        training.trainer().channels(),
                        training.trainer().size());
        DataStream<byte[]> versions = trainerInput(env, cfg, images)
                .transform(
                        "trainer",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                        new TrainerOperatorFactory(new TrainerOperator(
                                training.trainer(),
                                training.replay(),
                                new Augmenter(training.augment(), training.augmentSeed()),
                                training.options(),
                                reading)))
                .setParallelism(training.parallelism())
                .uid("trainer");
        if (cfg.stores().modelsDir() != null) {
            versions.sinkTo(new ModelRegistrySink(cfg.stores().modelsDir()))
                    .name("model registry")
                    .uid("model-registry")
                    .setParallelism(1);
        }

        DataStream<EmbeddingEvent> embeddings = images.connect(versions.broadcast())
                .transform(
                        "embedder",
                        new AvroTypeInfo<>(EmbeddingEvent.class),
                        new EmbedImages(
                                embedders.batch(),
                                embedders.maxWaitMs(),
                                training.trainer(),
                                embedders.thumbnailSize()))
                .setParallelism(embedders.parallelism())
                .uid("embedder");

        embeddings
                .sinkTo(sink(
                        cfg,
                        new AvroRecordSerializer<>(
                                kafka.embeddingsTopic(),
                                (AvroRecordSerializer.SerializableKey<EmbeddingEvent>) EmbeddingEvent::getImageId,
                                kafka.schemaRegistryId()),
                        "embeddings"))
                .name("embeddings sink")
                .uid("embeddings-sink");
        IndexTarget.Spec index = cfg.stores().index();
        if (index != null) {
            SingleOutputStreamOperator<Void> sink = embeddings
                    .transform("search index", TypeInformation.of(Void.class), new IndexSink(index))
                    .setParallelism(cfg.stores().indexParallelism())
                    .uid("index-sink");
            if (index.maxParallelism() == 1) {
                sink.setMaxParallelism(1); // one writer owns the index: no rescale may split it
            }
        }
        decoded.getSideOutput(DecodeImages.DEAD_LETTERS)
                .sinkTo(sink(
                        cfg,
                        new AvroRecordSerializer<>(
                                kafka.deadLettersTopic(),
                                (AvroRecordSerializer.SerializableKey<DeadLetter>) DeadLetter::getImageId,
                                -1),
                        "dead-letters"))
                .name("dead-letters sink")
                .uid("dead-letters-sink");
    }

    /**
     * The trainer's Flink input. With back-pressure each rank reads its share of the images topic
     * itself ({@link ai.oxbow.pipeline.train.TrainerReader}; positions in the trainer's state), so
     * its pace holds that reader and nothing else, and Flink brings it only barriers and, bounded,
     * the end of input; with sampling, the shared stream, images dealt to the ranks by id.
     */
    private static DataStream<ModelImage> trainerInput(
            StreamExecutionEnvironment env, JobConfig cfg, DataStream<ModelImage> shared) {
        int ranks = cfg.training().parallelism();
        if (cfg.training().options().pace() == TrainerOptions.Pace.SAMPLE) {
            return ranks == 1 ? shared : shared.partitionCustom((id, n) -> Math.floorMod(id.hashCode(), n), i -> i.id);
        }
        return env.fromSource(
                        new IdleSource<ModelImage>(cfg.kafka().bounded()),
                        WatermarkStrategy.noWatermarks(),
                        "trainer ticks",
                        TypeInformation.of(ModelImage.class))
                .uid("trainer-ticks")
                .setParallelism(ranks);
    }

    /** The images topic; bounded: up to its end offsets at the start, also after a restore. */
    private static RestorableBoundedSource<RawRecord> source(JobConfig cfg, String groupId) {
        KafkaSourceBuilder<RawRecord> builder = KafkaSource.<RawRecord>builder();
        JobConfig.Kafka kafka = cfg.kafka();
        int maxEncodedBytes = cfg.decoding().maxEncodedBytes();
        kafka.client()
                .consumer(Map.of(
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxEncodedBytes * 2,
                        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, maxEncodedBytes * 4))
                .forEach((k, v) -> builder.setProperty(k, v.toString()));
        builder.setTopics(kafka.imagesTopic())
                .setGroupId(groupId)
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer());
        if (kafka.bounded()) {
            // The trainer may go on for minutes after the source has read its range, and a
            // finished reader's offset commits only time out; the checkpoints hold the offsets.
            builder.setBounded(OffsetsInitializer.latest()).setProperty("commit.offsets.on.checkpoint", "false");
        }
        return new RestorableBoundedSource<>(builder.build(), kafka.client(), kafka.imagesTopic());
    }

    /**
     * Exactly-once: records become visible to read_committed consumers when the checkpoint that
     * covers them completes. The transaction timeout must stay under the broker's maximum (15 min
     * by default), not the sink's 1 h default; a broker with a lower maximum needs a lower
     * transaction.timeout.ms in the Kafka client properties.
     */
    private static <T extends SpecificRecord> KafkaSink<T> sink(
            JobConfig cfg, AvroRecordSerializer<T> serializer, String name) {
        KafkaSinkBuilder<T> builder = KafkaSink.<T>builder();
        cfg.kafka()
                .client()
                .producer(Map.of(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        600_000,
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        cfg.decoding().maxEncodedBytes() * 2))
                .forEach((k, v) -> builder.setProperty(k, v.toString()));
        return builder.setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(cfg.kafka().transactionalIdPrefix() + "-" + name)
                .build();
    }
}
