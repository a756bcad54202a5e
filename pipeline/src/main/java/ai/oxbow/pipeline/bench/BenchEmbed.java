package ai.oxbow.pipeline.bench;

import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.export.EncoderExport;
import ai.oxbow.model.train.Embedder;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.Option;
import com.google.gson.JsonObject;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * `bench embed`: inference throughput of one encoder (initial weights) in DJL's {@link Embedder}
 * and, exported, in PyTorch from python3 (oxbow_encoder.py --bench: no_grad,
 * torch.set_num_threads(threads)). Both run one random batch ceil(images / batch) times after
 * two warm-up batches; the Java figure includes copying pixels in and features out. DJL's thread
 * count comes from --threads through Oxbow's main. ratio = java / pytorch. Besides images per
 * second, images per CPU second of each process: the per-core cost, which other work sharing the
 * cores does not distort.
 */
public final class BenchEmbed {
    private BenchEmbed() {}

    static final Option<String> ENCODER =
            Option.string("encoder", "small-cnn", "backbone").oneOf(Encoders.NAMES.toArray(String[]::new));
    static final Option<Integer> SIZE = Option.integer("size", 28, "input side").atLeast(4);
    static final Option<Integer> CHANNELS =
            Option.integer("channels", 1, "input channels").atLeast(1);
    static final Option<Integer> BATCH =
            Option.integer("batch", 256, "embedding batch").atLeast(1);
    static final Option<Integer> IMAGES =
            Option.integer("images", 20_000, "images embedded").atLeast(1);
    public static final List<Option<?>> OPTIONS = List.of(ENCODER, SIZE, CHANNELS, BATCH, IMAGES, JobOptions.THREADS);

    public static Command.Run prepare(Args a) {
        String encoder = a.get(ENCODER);
        int size = a.get(SIZE);
        int channels = a.get(CHANNELS);
        int batch = a.get(BATCH);
        int images = a.get(IMAGES);
        int threads = a.getOr(JobOptions.THREADS, Runtime.getRuntime().availableProcessors());
        return () -> run(encoder, size, channels, batch, images, threads);
    }

    private static void run(String encoder, int size, int channels, int batch, int images, int threads) {
        EncoderSnapshot snapshot;
        try (SslTrainer trainer = new SslTrainer(TrainerConfig.defaults("simclr", encoder, channels, size, batch))) {
            snapshot = trainer.publishedSnapshot();
        }
        int batches = (images + batch - 1) / batch;
        Throughput java = javaThroughput(snapshot, batch, batches);
        JsonObject pytorch = pytorch(snapshot, batch, batches * batch, threads);
        double torch = pytorch.get("images_per_s").getAsDouble();
        double torchCpu = pytorch.get("images_per_cpu_s").getAsDouble();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bench", "embed");
        out.put("encoder", encoder);
        out.put("size", size);
        out.put("channels", channels);
        out.put("batch", batch);
        out.put("threads", threads);
        out.put("images", batches * batch);
        out.put("java_images_per_s", java.perSecond());
        out.put("pytorch_images_per_s", torch);
        out.put("ratio", java.perSecond() / torch);
        out.put("java_images_per_cpu_s", java.perCpuSecond());
        out.put("pytorch_images_per_cpu_s", torchCpu);
        out.put("ratio_cpu", java.perCpuSecond() / torchCpu);
        out.put("pytorch_version", pytorch.get("torch").getAsString());
        out.put("pytorch_blas", pytorch.get("blas").getAsString());
        out.put("cpu", Machine.cpu());
        System.out.println(Json.line(out));
    }

    private record Throughput(double perSecond, double perCpuSecond) {}

    private static Throughput javaThroughput(EncoderSnapshot snapshot, int batch, int batches) {
        float[] pixels = new float[batch * snapshot.pixelsPerImage()];
        Random random = new Random(0);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        try (Embedder embedder = new Embedder(snapshot)) {
            for (int i = 0; i < 2; i++) {
                embedder.embed(pixels, batch);
            }
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long start = System.nanoTime();
            long cpuStart = os.getProcessCpuTime();
            for (int i = 0; i < batches; i++) {
                embedder.embed(pixels, batch);
            }
            double images = (double) batches * batch;
            return new Throughput(
                    images / ((System.nanoTime() - start) / 1e9), images / ((os.getProcessCpuTime() - cpuStart) / 1e9));
        }
    }

    /** The loader's --bench JSON line and PyTorch's BLAS, run on the snapshot exported to a temporary directory. */
    private static JsonObject pytorch(EncoderSnapshot snapshot, int batch, int images, int threads) {
        try (PyTorchSide side = new PyTorchSide(snapshot)) {
            JsonObject line = side.run(
                    side.dir().resolve(EncoderExport.LOADER),
                    List.of(
                            side.dir().toString(),
                            "--bench",
                            "--batch",
                            String.valueOf(batch),
                            "--threads",
                            String.valueOf(threads),
                            "--images",
                            String.valueOf(images)));
            line.addProperty("blas", side.blas());
            return line;
        }
    }
}
