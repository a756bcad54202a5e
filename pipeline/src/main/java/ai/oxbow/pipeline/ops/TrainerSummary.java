package ai.oxbow.pipeline.ops;

import ai.oxbow.model.replay.StreamLearner;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerStats;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** The trainer's figures at the end of a bounded run, as a properties file in the run directory. */
public final class TrainerSummary {
    public static final String FILE = "trainer-summary.properties";

    private TrainerSummary() {}

    static void write(Path dir, SslTrainer trainer, StreamLearner learner) throws IOException {
        TrainerStats s = trainer.stats();
        Properties p = new Properties();
        p.setProperty("steps", String.valueOf(s.steps()));
        p.setProperty("skipped_steps", String.valueOf(s.skippedSteps()));
        p.setProperty("images_trained", String.valueOf(s.imagesTrained()));
        p.setProperty("loss_first", String.valueOf(s.lossFirst()));
        p.setProperty("loss_last", String.valueOf(s.lossLast()));
        p.setProperty("train_images_per_s", String.valueOf(s.imagesPerSecond()));
        p.setProperty("collapse_std", String.valueOf(s.collapseStd()));
        p.setProperty("collapse_std_healthy", String.valueOf(s.healthyCollapseStd()));
        p.setProperty("method", trainer.config().method());
        p.setProperty("encoder", trainer.config().encoder());
        ReplayFigures.of(learner).forEach((name, value) -> p.setProperty(name, String.valueOf(value.get())));
        try (Writer w = Files.newBufferedWriter(dir.resolve(FILE))) {
            p.store(w, "Oxbow trainer summary");
        }
    }

    public static Map<String, String> read(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE))) {
            p.load(r);
        }
        Map<String, String> out = new HashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }
}
