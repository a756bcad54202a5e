package ai.oxbow.pipeline.bench;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.eval.FrozenProbe;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * `bench offline`: the reference one pass is chasing. The same trainer (method, encoder, views,
 * optimiser) trained the classic way, for E epochs over the Fashion-MNIST training set, each a
 * fresh random order of all images in batches of B, views drawn anew every epoch; cosine LR over
 * the E x N / B steps. Then the probes of `demo` (kNN and linear, memory = the training set),
 * beside the untrained encoder and raw pixels. No stream, no replay buffer, no Flink or Kafka.
 */
public final class BenchOffline {
    private static final int CLASSES = 10;

    private BenchOffline() {}

    public static void run(Args a) throws Exception {
        int epochs = a.getInt("epochs", 10);
        int batch = a.getInt("batch", 64);
        Path data = Path.of(a.get("data", Idx.FASHION_MNIST.toString()));
        if (!Idx.available(data)) {
            throw new IllegalArgumentException("bench offline needs Fashion-MNIST in " + data
                    + " (apt-get install dataset-fashion-mnist)");
        }
        LabeledImages train = Idx.fashionMnist(data, "train");
        long steps = (long) epochs * (train.count() / batch);
        TrainerConfig config = JobOptions.trainer(a, steps, true, "fashion-mnist");
        Augmenter augmenter = new Augmenter(JobOptions.recipe(a, config, "fashion-mnist"),
                a.getLong("augment-seed", 1234));
        long seed = a.getLong("order-seed", 7);
        a.get("threads", null);
        a.checkAllUsed();
        if (config.channels() != 1 || config.size() != 28) {
            throw new IllegalArgumentException("bench offline trains on Fashion-MNIST as it is: --channels 1 --size 28");
        }
        LabeledImages test = Idx.fashionMnist(data, "t10k");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bench", "offline");
        out.put("method", config.method());
        out.put("epochs", epochs);
        out.put("batch", batch);
        out.put("views", augmenter.views());
        long start = System.nanoTime();
        try (SslTrainer trainer = new SslTrainer(config); SslTrainer initial = new SslTrainer(config)) {
            SplittableRandom random = new SplittableRandom(seed);
            int[] order = new int[train.count()];
            for (int e = 0; e < epochs; e++) {
                for (int i = 0; i < order.length; i++) {
                    int j = random.nextInt(i + 1);
                    order[i] = order[j];
                    order[j] = i;
                }
                for (int from = 0; from + batch <= order.length; from += batch) {
                    LabeledImages images = subset(train, order, from, batch);
                    float loss = trainer.train(BenchTrain.draw(augmenter, images, 1, "fashion-mnist-train-e" + e + "-" + from));
                    if (trainer.step() % 100 == 0) {
                        System.err.printf("[oxbow] bench offline: epoch %d/%d, step %d/%d, loss %.4f, %.0f s%n", e + 1,
                                epochs, trainer.step(), steps, loss, (System.nanoTime() - start) / 1e9);
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            trainer.publish();
            FrozenProbe.Scores trained = FrozenProbe.encoder(trainer, train, test, CLASSES);
            out.put("steps", trainer.step());
            out.put("knn_top1", trained.knnTop1());
            out.put("linear_top1", trained.linearTop1());
            out.put("knn_top1_init", FrozenProbe.encoder(initial, train, test, CLASSES).knnTop1());
            out.put("knn_top1_pixels", FrozenProbe.pixels(train, test, CLASSES).knnTop1());
            out.put("train_s", seconds);
            out.put("train_images_per_s", trainer.stats().imagesPerSecond());
        }
        System.out.println(Json.line(out));
    }

    private static LabeledImages subset(LabeledImages all, int[] order, int from, int n) {
        int size = all.height() * all.width() * all.channels();
        byte[] pixels = new byte[n * size];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(all.pixels(), order[from + i] * size, pixels, i * size, size);
            labels[i] = all.labels()[order[from + i]];
        }
        return new LabeledImages(pixels, n, all.height(), all.width(), all.channels(), labels);
    }
}
