package ai.oxbow.pipeline.cli;

import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.pipeline.bench.BenchAugment;
import ai.oxbow.pipeline.bench.BenchEmbed;
import ai.oxbow.pipeline.bench.BenchIndex;
import ai.oxbow.pipeline.bench.BenchOffline;
import ai.oxbow.pipeline.bench.BenchReplay;
import ai.oxbow.pipeline.bench.BenchSoak;
import ai.oxbow.pipeline.bench.BenchTrain;
import ai.oxbow.pipeline.demo.Demo;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import ai.oxbow.pipeline.kafka.KafkaClient;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageOrder;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.pipeline.report.Report;
import ai.oxbow.pipeline.serve.Serve;
import ai.oxbow.schemas.ImageEvent;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** `java -jar pipeline/target/oxbow.jar <command> [--option value ...]`. */
public final class Oxbow {
    private static final String USAGE = """
            usage: oxbow <command> [options]
              demo     everything embedded: Kafka broker, Flink MiniCluster (web UI :8081, Prometheus :9249),
                       Fashion-MNIST streamed in, training, embeddings out (Kafka + search index), kNN evaluation
                       --events N --method M --encoder {small-cnn,resnet18} --batch B --order {iid,sequential}
                       --replay-policy {fifo,reservoir,minred} --replay-size N --updates-per-event U ...
              run      the job against an external Kafka: --bootstrap HOST:PORT [--bounded] [--restore PATH]
                       [--models-dir DIR] [--index-dir DIR] [--embedder-parallelism N] ...
              submit   `run` on a Flink cluster: --jobmanager HOST:PORT [--jar oxbow-job.jar] [--wait] <run options>
              cancel   --jobmanager HOST:PORT --job ID [--savepoint-dir DIR (stop with a savepoint)]
              savepoint  --jobmanager HOST:PORT --job ID --savepoint-dir DIR (the job goes on)
              audit    exactly once? counts of events, embeddings, duplicates, lost, index documents:
                       --bootstrap HOST:PORT [--index-dir DIR] [--run-dir DIR] [--images-topic ...]
              checkpoint  the trainer state in a checkpoint or savepoint, from its files: --path DIR
                       (size, CRC-32C, the checksum recorded with it)
              produce  stream images into a topic: --bootstrap --source {fashion-mnist,generated,folder} --count --rate
                       [--order {iid,sequential}] [--classes-per-block 2]
              search   query the index: --index DIR (--id IMAGE_ID | --image FILE --models DIR) [--version V] [--k 10]
              serve    search as a service: JSON API and a web page with thumbnails, on 127.0.0.1:
                       --index DIR [--models DIR] [--port 8080] [--host 127.0.0.1] [--threads-http 4]
              reindex  images topic -> fresh index with one model version: --bootstrap --topic --from-offset N
                       --models DIR --version V --index NEWDIR
              export   an encoder version for plain PyTorch: --models DIR [--version V] --out DIR
              report   PNG charts of a run directory: --run DIR [--out DIR] [--max-points N] [--perplexity P]
                       [--tsne-iterations N] [--proj-dim D]
              bench train    the trainer alone beside plain PyTorch eager: --method --encoder --batch --steps --size
                             --channels --threads --augment --augment-options --repeats [--pytorch false]
              bench augment  augmentation alone: --recipe --preset --size --channels --images --threads --options
              bench replay   replay buffer quality: --method --replay-policy --updates-per-event --order --events
              bench index    HNSW recall@k and latency against exact search: --images --queries --k [--models --version]
              bench embed    embedder images/s against PyTorch no-grad inference: --encoder --batch --threads
              bench quality  the one-pass protocol: demo on the 60,000 Fashion-MNIST training images,
                             kNN, linear probe, wall time and kNN over time: [--order {iid,sequential}] [demo options]
              bench offline  the multi-epoch reference: the same trainer for --epochs E over the training set
              bench soak     the job on an unbounded stream at --rate R images/s for --minutes M: memory,
                             images/s and checkpoint-size slopes [--sample-s 30] [--out DIR] [job options]
            See README.md for every option.""";

    private Oxbow() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
            System.out.println(USAGE);
            return;
        }
        configureDjl(argv);
        try {
            switch (argv[0]) {
                case "demo" -> Demo.run(new Args(argv, 1));
                case "run" -> run(new Args(argv, 1));
                case "submit" -> Submit.submit(new Args(argv, 1));
                case "cancel" -> Submit.cancel(new Args(argv, 1));
                case "savepoint" -> Submit.savepoint(new Args(argv, 1));
                case "audit" -> Audit.run(new Args(argv, 1));
                case "checkpoint" -> CheckpointInfo.run(new Args(argv, 1));
                case "produce" -> produce(new Args(argv, 1));
                case "report" -> Report.run(new Args(argv, 1));
                case "search" -> Search.run(new Args(argv, 1));
                case "reindex" -> Reindex.run(new Args(argv, 1));
                case "export" -> Export.run(new Args(argv, 1));
                case "serve" -> Serve.run(new Args(argv, 1));
                case "bench" -> bench(argv);
                default -> throw new IllegalArgumentException("unknown command '" + argv[0] + "'\n" + USAGE);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("oxbow: " + e.getMessage());
            System.exit(2);
        }
        // Kafka and Flink leave non-daemon threads behind; the work is done.
        System.exit(0);
    }

    /**
     * DJL reads these once, before the engine starts: offline (never download), and the thread
     * count (it changes results bitwise, so a run is reproducible only with the same count).
     */
    private static void configureDjl(String[] argv) {
        System.setProperty("ai.djl.offline", "true");
        String threads = String.valueOf(Runtime.getRuntime().availableProcessors());
        for (int i = 1; i + 1 < argv.length; i++) {
            if (argv[i].equals("--threads")) {
                threads = argv[i + 1];
            }
        }
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    private static void bench(String[] argv) throws Exception {
        String which = argv.length < 2 ? "" : argv[1];
        switch (which) {
            case "train" -> BenchTrain.run(new Args(argv, 2));
            case "augment" -> BenchAugment.run(new Args(argv, 2));
            case "replay" -> BenchReplay.run(new Args(argv, 2));
            case "index" -> BenchIndex.run(new Args(argv, 2));
            case "embed" -> BenchEmbed.run(new Args(argv, 2));
            case "quality" -> Demo.quality(new Args(argv, 2));
            case "offline" -> BenchOffline.run(new Args(argv, 2));
            case "soak" -> BenchSoak.run(new Args(argv, 2));
            default -> throw new IllegalArgumentException(
                    "usage: oxbow bench {train,augment,replay,index,embed,quality,offline,soak} [options]");
        }
    }

    /** `run`: builds the job and runs it where the environment points (local, or the cluster it was submitted to). */
    static void run(Args a) throws Exception {
        JobConfig cfg = runConfig(a);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                OxbowJob.flinkConfiguration(cfg));
        OxbowJob.build(env, cfg);
        env.execute();
    }

    /** The job `run` (and `submit`) starts; every option is checked here, before anything runs. */
    static JobConfig runConfig(Args a) {
        JobConfig cfg = JobOptions.job(a, JobOptions.trainer(a, 10_000, false, "none"), "none");
        cfg.kafka = KafkaClient.of(a.get("bootstrap", cfg.kafka.bootstrap()));
        cfg.bounded = a.has("bounded");
        cfg.checkpointDir = a.get("checkpoint-dir", "file:///tmp/oxbow/checkpoints");
        cfg.restorePath = a.get("restore", null);
        cfg.allowNonRestoredState = a.has("allow-non-restored-state");
        cfg.runDir = a.get("run-dir", null);
        cfg.transactionalIdPrefix = a.get("transactional-id-prefix", cfg.transactionalIdPrefix);
        a.get("threads", null);
        a.checkAllUsed();
        return cfg;
    }

    private static void produce(Args a) throws Exception {
        String bootstrap = a.get("bootstrap", "127.0.0.1:9092");
        String topic = a.get("topic", "oxbow.images");
        String source = a.get("source", "fashion-mnist");
        long count = a.getLong("count", Long.MAX_VALUE);
        double rate = a.getDouble("rate", 0);
        int partitions = a.getInt("partitions", 1);
        String order = a.get("order", "iid");
        int perBlock = a.getInt("classes-per-block", 2);
        Iterator<ImageEvent> events = switch (source) {
            case "fashion-mnist" -> {
                LabeledImages train = ImageSources.fashionMnistTrain(
                        Path.of(a.get("data", Idx.FASHION_MNIST.toString())), (int) Math.min(count, Integer.MAX_VALUE));
                yield ImageSources.of(ImageOrder.order(train, order, perBlock, 1), "fashion-mnist-train");
            }
            case "generated" -> ImageSources.of(ImageOrder.order(ImageSources.generated(
                    (int) Math.min(count, 1_000_000), a.getInt("size", 28), a.getInt("channels", 1),
                    a.getLong("seed", 1)), order, perBlock, 1), "generated");
            case "folder" -> ImageSources.folder(Path.of(a.get("folder", ".")));
            default -> throw new IllegalArgumentException("--source must be fashion-mnist, generated or folder");
        };
        a.checkAllUsed();
        KafkaClient kafka = KafkaClient.of(bootstrap);
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
