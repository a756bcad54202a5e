package ai.oxbow.pipeline.bench;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.eval.FrozenProbe;
import ai.oxbow.model.replay.ReplayConfig;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.cli.Args;
import ai.oxbow.pipeline.cli.Command;
import ai.oxbow.pipeline.cli.JobOptions;
import ai.oxbow.pipeline.cli.Json;
import ai.oxbow.pipeline.cli.ModelOptions;
import ai.oxbow.pipeline.cli.Option;
import ai.oxbow.pipeline.demo.Demo;
import ai.oxbow.pipeline.produce.ImageOrder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `bench replay`: a {@link StreamLearner} alone (no Flink, no Kafka) on N Fashion-MNIST training
 * images streamed in the chosen order, in lock step: each batch-sized chunk of events is
 * admitted, then every step that is due is taken, as a trainer that keeps up with the stream
 * would. Then the kNN probe of `demo`: the final encoder embeds the streamed images (memory)
 * and the 10,000 test images, against the untrained encoder and raw pixels.
 *
 * <p>The LR and EMA schedules are cosine over the steps the run will take (u × events / batch).
 * {@code wall_s} is the stream loop (admission, MinRed features, augmentation, training);
 * {@code train_images_per_s} is images trained (replays included) per second of it.
 */
public final class BenchReplay {
    private static final int CLASSES = 10;

    private BenchReplay() {}

    static final Option<Integer> EVENTS = Option.integer("events", 10_000, "Fashion-MNIST training images streamed")
            .atLeast(1);
    public static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(
                    EVENTS,
                    Demo.ORDER,
                    Demo.CLASSES_PER_BLOCK,
                    JobOptions.VIEW_THREADS,
                    JobOptions.DATA,
                    JobOptions.THREADS),
            ModelOptions.TRAINER,
            ModelOptions.REPLAY);

    /** The stream, the learner and its schedule, checked before anything starts. */
    private record Settings(
            int events,
            int batch,
            String order,
            int classesPerBlock,
            ReplayConfig replay,
            TrainerConfig config,
            Augmenter augmenter,
            Path data,
            int viewThreads) {}

    public static Command.Run prepare(Args a) {
        int events = a.get(EVENTS);
        int batch = a.get(ModelOptions.BATCH);
        ReplayConfig replay = ModelOptions.replay(a);
        long horizon = Math.max(1, Math.round(replay.updatesPerEvent() * events / batch));
        TrainerConfig config = ModelOptions.trainer(a, horizon, true, "fashion-mnist");
        Settings s = new Settings(
                events,
                batch,
                a.get(Demo.ORDER),
                a.get(Demo.CLASSES_PER_BLOCK),
                replay,
                config,
                new Augmenter(ModelOptions.recipe(a, config, "fashion-mnist"), a.get(ModelOptions.AUGMENT_SEED)),
                Path.of(a.get(JobOptions.DATA)),
                a.get(JobOptions.VIEW_THREADS));
        if (!Idx.available(s.data())) {
            throw new IllegalArgumentException(
                    "bench replay needs Fashion-MNIST in " + s.data() + " (apt-get install dataset-fashion-mnist)");
        }
        if (config.channels() != 1 || config.size() != 28) {
            throw new IllegalArgumentException("bench replay streams Fashion-MNIST as it is: --channels 1 --size 28");
        }
        return () -> run(s);
    }

    private static void run(Settings s) throws IOException {
        LabeledImages train = ImageOrder.order(
                Idx.fashionMnist(s.data(), "train").first(s.events()),
                s.order(),
                s.classesPerBlock(),
                s.replay().seed());
        LabeledImages test = Idx.fashionMnist(s.data(), "t10k");

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", s.config().method());
        out.put("policy", s.replay().policy());
        out.put("capacity", s.replay().capacity());
        out.put("updates_per_event", s.replay().updatesPerEvent());
        out.put("new_fraction", s.replay().newFraction());
        out.put("order", s.order());
        out.put("events", train.count());
        try (SslTrainer trainer = new SslTrainer(s.config());
                SslTrainer initial = new SslTrainer(s.config())) {
            StreamLearner learner = new StreamLearner(trainer, s.augmenter(), s.replay(), s.viewThreads());
            long start = System.nanoTime();
            for (int from = 0; from < train.count(); from += s.batch()) {
                learner.admit(chunk(train, from, Math.min(s.batch(), train.count() - from)));
                while (learner.due()) {
                    float loss = learner.trainStep();
                    if (learner.steps() % 50 == 0) {
                        System.err.printf(
                                "[oxbow] bench replay: %d/%d events, step %d, loss %.4f%n",
                                learner.offered(), train.count(), learner.steps(), loss);
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            trainer.publish();
            out.put("steps", learner.steps());
            FrozenProbe.Scores trained = FrozenProbe.encoder(trainer, train, test, CLASSES);
            out.put("knn_top1", trained.knnTop1());
            out.put("linear_top1", trained.linearTop1());
            out.put(
                    "knn_top1_init",
                    FrozenProbe.encoder(initial, train, test, CLASSES).knnTop1());
            out.put("knn_top1_pixels", FrozenProbe.pixels(train, test, CLASSES).knnTop1());
            out.put("wall_s", seconds);
            out.put("cpu", Machine.cpu());
            out.put("train_images_per_s", learner.replayed() / seconds);
            out.put("batch", s.batch());
            out.put("evicted", learner.evicted());
            out.put("rejected", learner.rejected());
            out.put("mean_uses", learner.meanUses());
            out.put("view_threads", s.viewThreads());
            out.put("view_wait_ms", learner.viewWaitMs());
            out.put("loss_last", trainer.stats().lossLast());
        }
        System.out.println(Json.line(out));
    }

    /** Events [from, from + n) as replay items; Fashion-MNIST is grey 28x28, so HWC bytes are CHW. */
    private static List<ReplayItem> chunk(LabeledImages images, int from, int n) {
        List<ReplayItem> items = new ArrayList<>(n);
        for (int i = from; i < from + n; i++) {
            items.add(new ReplayItem("fashion-mnist-train-" + i, i, images.labels()[i], images.image(i)));
        }
        return items;
    }
}
