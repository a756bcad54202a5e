package ai.oxbow.pipeline.bench;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.eval.FrozenProbe;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.util.AtomicFile;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.ModelOptions;
import ai.oxbow.pipeline.cli.Option;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * `bench offline`: the reference one pass is chasing. The same trainer (method, encoder, views,
 * optimiser) trained the classic way, for E epochs over the Fashion-MNIST training set, each a
 * fresh random order of all images in batches of B, views drawn anew every epoch; cosine LR over
 * the E x N / B steps. Then the probes of `demo` (kNN and linear, memory = the training set),
 * beside the untrained encoder and raw pixels. No stream, no replay buffer, no Flink or Kafka.
 * Ten epochs take hours on two cores, so with --resume-dir the trainer is saved after every epoch
 * and a second invocation with the same options continues from the last one saved.
 */
public final class BenchOffline {
    private static final int CLASSES = 10;

    private BenchOffline() {}

    static final Option<Integer> EPOCHS = Option.integer("epochs", 10, "passes over the 60,000 training images")
            .atLeast(1);
    static final Option<Long> ORDER_SEED = Option.longInteger("order-seed", 7, "seed of each epoch's random order");
    static final Option<String> RESUME_DIR =
            Option.string("resume-dir", "save the trainer after every epoch there and continue from it");
    public static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(EPOCHS, ORDER_SEED, RESUME_DIR, JobOptions.DATA, JobOptions.THREADS), ModelOptions.TRAINER);

    /** The run, checked before anything starts. */
    private record Settings(
            int epochs,
            int batch,
            Path data,
            LabeledImages train,
            long steps,
            TrainerConfig config,
            Augmenter augmenter,
            long seed,
            Resume resume) {}

    public static Command.Run prepare(Args a) throws IOException {
        int epochs = a.get(EPOCHS);
        int batch = a.get(ModelOptions.BATCH);
        Path data = Path.of(a.get(JobOptions.DATA));
        if (!Idx.available(data)) {
            throw new IllegalArgumentException(
                    "bench offline needs Fashion-MNIST in " + data + " (apt-get install dataset-fashion-mnist)");
        }
        LabeledImages train = Idx.fashionMnist(data, "train");
        long steps = (long) epochs * (train.count() / batch);
        TrainerConfig config = ModelOptions.trainer(a, steps, true, "fashion-mnist");
        if (config.channels() != 1 || config.size() != 28) {
            throw new IllegalArgumentException(
                    "bench offline trains on Fashion-MNIST as it is: --channels 1 --size 28");
        }
        String resumeDir = a.get(RESUME_DIR);
        Resume resume = resumeDir == null ? null : new Resume(Path.of(resumeDir), a.given(RESUME_DIR));
        if (resume != null) {
            resume.check();
        }
        Settings s = new Settings(
                epochs,
                batch,
                data,
                train,
                steps,
                config,
                new Augmenter(ModelOptions.recipe(a, config, "fashion-mnist"), a.get(ModelOptions.AUGMENT_SEED)),
                a.get(ORDER_SEED),
                resume);
        return () -> run(s);
    }

    private static void run(Settings s) throws IOException {
        LabeledImages test = Idx.fashionMnist(s.data(), "t10k");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bench", "offline");
        out.put("method", s.config().method());
        out.put("epochs", s.epochs());
        out.put("batch", s.batch());
        out.put("views", s.augmenter().views());
        try (SslTrainer trainer = new SslTrainer(s.config());
                SslTrainer initial = new SslTrainer(s.config())) {
            double earlier = s.resume() == null ? 0 : s.resume().restore(trainer);
            long start = System.nanoTime();
            int perEpoch = s.train().count() / s.batch();
            for (int e = (int) (trainer.steps() / perEpoch); e < s.epochs(); e++) {
                // Each epoch's order depends on the seed and the epoch only, so a resumed run
                // continues with the order an uninterrupted one would have had.
                int[] order = shuffled(s.train().count(), new SplittableRandom(s.seed() + e));
                for (int from = 0; from + s.batch() <= order.length; from += s.batch()) {
                    LabeledImages images = subset(s.train(), order, from, s.batch());
                    float loss = trainer.train(
                            BenchTrain.draw(s.augmenter(), images, 1, "fashion-mnist-train-e" + e + "-" + from));
                    if (trainer.steps() % 100 == 0) {
                        System.err.printf(
                                "[oxbow] bench offline: epoch %d/%d, step %d/%d, loss %.4f, %.0f s%n",
                                e + 1,
                                s.epochs(),
                                trainer.steps(),
                                s.steps(),
                                loss,
                                earlier + (System.nanoTime() - start) / 1e9);
                    }
                }
                if (s.resume() != null) {
                    s.resume().save(trainer, earlier + (System.nanoTime() - start) / 1e9);
                }
            }
            double seconds = earlier + (System.nanoTime() - start) / 1e9;
            trainer.publish();
            FrozenProbe.Scores trained = FrozenProbe.encoder(trainer, s.train(), test, CLASSES);
            out.put("steps", trainer.steps());
            out.put("knn_top1", trained.knnTop1());
            out.put("linear_top1", trained.linearTop1());
            out.put(
                    "knn_top1_init",
                    FrozenProbe.encoder(initial, s.train(), test, CLASSES).knnTop1());
            out.put(
                    "knn_top1_pixels",
                    FrozenProbe.pixels(s.train(), test, CLASSES).knnTop1());
            out.put("train_s", seconds);
            out.put("cpu", Machine.cpu());
            out.put("train_images_per_s", trainer.stats().imagesPerSecond());
        }
        System.out.println(Json.line(out));
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            int j = random.nextInt(i + 1);
            order[i] = order[j];
            order[j] = i;
        }
        return order;
    }

    /** The trainer after the last finished epoch, with the training seconds so far and the options it ran with. */
    private record Resume(Path dir, String options) {
        private static final String STATE = "offline-state.bin";
        private static final String PROGRESS = "offline-progress.properties";

        /** Refuses a directory that holds a run with other options. */
        void check() throws IOException {
            Properties p = progress();
            if (p != null && !options.equals(p.getProperty("options"))) {
                throw new IllegalArgumentException("--resume-dir " + dir + " holds a run with other options ("
                        + p.getProperty("options") + "); use the same options or another directory");
            }
        }

        /** Restores the saved trainer, if any, and returns the training seconds spent before. */
        double restore(SslTrainer trainer) throws IOException {
            Properties p = progress();
            if (p == null) {
                return 0;
            }
            trainer.restore(Files.readAllBytes(dir.resolve(STATE)));
            System.err.println("[oxbow] bench offline: resuming at step " + trainer.steps() + " from " + dir);
            return Double.parseDouble(p.getProperty("train_s"));
        }

        /** The saved progress, null before the first epoch ends. */
        private Properties progress() throws IOException {
            Path progress = dir.resolve(PROGRESS);
            if (!Files.exists(progress)) {
                return null;
            }
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(progress)) {
                p.load(in);
            }
            return p;
        }

        /**
         * Writes the state, then the progress, each through a rename: a kill leaves whole files (between
         * the two renames, at worst one epoch's seconds go uncounted; the step is the state's own).
         */
        void save(SslTrainer trainer, double trainSeconds) throws IOException {
            Files.createDirectories(dir);
            AtomicFile.write(dir.resolve(STATE), trainer.snapshot());
            Properties p = new Properties();
            p.setProperty("options", options);
            p.setProperty("step", Long.toString(trainer.steps()));
            p.setProperty("train_s", Double.toString(trainSeconds));
            StringWriter progress = new StringWriter();
            p.store(progress, "bench offline progress");
            AtomicFile.write(dir.resolve(PROGRESS), progress.toString().getBytes(StandardCharsets.UTF_8));
        }
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
