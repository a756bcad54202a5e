package ai.oxbow.pipeline.cli;

import ai.oxbow.pipeline.demo.Demo;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.produce.ImageOrder;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.schemas.ImageEvent;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** `produce`: images streamed into a topic (created if absent) from Fashion-MNIST, a folder or generated. */
final class Produce {
    private Produce() {}

    static final Option<String> TOPIC =
            Option.string("topic", JobConfig.Kafka.DEFAULTS.imagesTopic(), "the images topic (created if absent)");
    static final Option<String> SOURCE =
            Option.string("source", "fashion-mnist", "what to send").oneOf("fashion-mnist", "generated", "folder");
    static final Option<Long> COUNT =
            Option.longInteger("count", "events to send").computed("all").atLeast(0);
    static final Option<Double> RATE =
            Option.decimal("rate", 0, "events/s (0: as fast as possible)").atLeast(0);
    static final Option<Integer> PARTITIONS =
            Option.integer("partitions", 1, "partitions of a topic it creates").atLeast(1);
    static final Option<Integer> SIZE =
            Option.integer("size", 28, "generated: image side").atLeast(1);
    static final Option<Integer> CHANNELS =
            Option.integer("channels", 1, "generated: channels").atLeast(1);
    static final Option<Long> SEED = Option.longInteger("seed", 1, "generated: seed");
    static final Option<String> FOLDER = Option.string("folder", ".", "folder: a directory of PNG/JPEG files");

    static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(
                    JobOptions.BOOTSTRAP,
                    TOPIC,
                    SOURCE,
                    COUNT,
                    RATE,
                    PARTITIONS,
                    Demo.ORDER,
                    Demo.CLASSES_PER_BLOCK,
                    JobOptions.DATA,
                    SIZE,
                    CHANNELS,
                    SEED,
                    FOLDER),
            JobOptions.KAFKA);

    static Command.Run prepare(Args a) {
        KafkaClient kafka = JobOptions.kafkaClient(a);
        String topic = a.get(TOPIC);
        long count = a.getOr(COUNT, Long.MAX_VALUE);
        double rate = a.get(RATE);
        int partitions = a.get(PARTITIONS);
        String order = a.get(Demo.ORDER);
        int perBlock = a.get(Demo.CLASSES_PER_BLOCK);
        Path data = Path.of(a.get(JobOptions.DATA));
        int size = a.get(SIZE);
        int channels = a.get(CHANNELS);
        long seed = a.get(SEED);
        Path folder = Path.of(a.get(FOLDER));
        // Read when the command runs: a missing data set is a failure, not a usage error.
        Callable<Iterator<ImageEvent>> events = switch (a.get(SOURCE)) {
            case "fashion-mnist" ->
                () -> ImageSources.of(
                        ImageOrder.order(
                                ImageSources.fashionMnistTrain(data, (int) Math.min(count, Integer.MAX_VALUE)),
                                order,
                                perBlock,
                                1),
                        "fashion-mnist-train");
            case "generated" ->
                () -> ImageSources.of(
                        ImageOrder.order(
                                ImageSources.generated((int) Math.min(count, 1_000_000), size, channels, seed),
                                order,
                                perBlock,
                                1),
                        "generated");
            default -> () -> ImageSources.folder(folder);
        };
        return () -> produce(kafka, topic, partitions, events.call(), count, rate);
    }

    private static void produce(
            KafkaClient kafka, String topic, int partitions, Iterator<ImageEvent> events, long count, double rate)
            throws Exception {
        Topics.create(kafka, Map.of(topic, partitions));
        long start = System.nanoTime();
        long sent = ImageProducer.produce(kafka, topic, events, count, rate);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events_out", sent);
        out.put("topic", topic);
        out.put("seconds", (System.nanoTime() - start) / 1e9);
        System.out.println(Json.line(out));
    }
}
