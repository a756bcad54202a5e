package ai.oxbow.pipeline.train;

import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerStats;
import ai.oxbow.model.util.AtomicFile;
import ai.oxbow.pipeline.report.RunFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's files in the run directory (formats in {@link RunFiles}): its events, the CSV
 * series {@code report} draws, and at the end of a bounded run the final state and the summary.
 * A trainer without a run directory writes none of them.
 */
public final class RunDirectory implements AutoCloseable {
    /** The CSV series by file, each appended to across restarts: `report` keeps the last row of a step. */
    private final Map<String, BufferedWriter> series = new LinkedHashMap<>();

    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    private final Path dir;
    /** What each event line starts with: the rank in a group of several, nothing for one trainer. */
    private final String who;

    /** @param dir null: no run directory */
    RunDirectory(String dir, int rank, int ranks) throws IOException {
        this.dir = dir == null ? null : Files.createDirectories(Path.of(dir));
        this.who = ranks == 1 ? "" : "rank " + rank + "/" + ranks + " ";
        if (this.dir != null) {
            for (String file : new String[] {RunFiles.LOSSES, RunFiles.KNN, RunFiles.COLLAPSE, RunFiles.THROUGHPUT}) {
                series.put(
                        file,
                        Files.newBufferedWriter(
                                this.dir.resolve(file), StandardOpenOption.CREATE, StandardOpenOption.APPEND));
            }
        }
    }

    /** A trainer event: to the log, and a line of {@value RunFiles#TRAINER_EVENTS} after the time. */
    void event(String event) {
        String line = who + event;
        LOG.info("trainer {}", line);
        if (dir != null) {
            try {
                Files.writeString(
                        dir.resolve(RunFiles.TRAINER_EVENTS),
                        Instant.now() + " " + line + "\n",
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A row of one of the CSV series ({@link RunFiles#LOSSES}, ...). */
    void row(String file, String row) {
        BufferedWriter w = series.get(file);
        if (w != null) {
            try {
                w.write(row);
                w.newLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Makes the rows so far durable with a checkpoint. */
    void flush() throws IOException {
        for (BufferedWriter w : series.values()) {
            w.flush();
        }
    }

    /**
     * End of a bounded run: {@value RunFiles#FINAL_STATE} (the trainer's state, for evaluation and
     * export) and {@value RunFiles#SUMMARY}, each written whole.
     */
    void writeFinal(SslTrainer trainer, Map<String, Number> replayFigures) throws IOException {
        if (dir == null) {
            return;
        }
        AtomicFile.write(dir.resolve(RunFiles.FINAL_STATE), trainer.snapshot());
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
        replayFigures.forEach((name, value) -> p.setProperty(name, String.valueOf(value)));
        StringWriter text = new StringWriter();
        p.store(text, "Oxbow trainer summary");
        AtomicFile.write(dir.resolve(RunFiles.SUMMARY), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The summary a bounded run wrote into {@code dir}; refused when there is none. */
    public static Map<String, String> summary(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve(RunFiles.SUMMARY))) {
            throw new NoSuchFileException(
                    dir.resolve(RunFiles.SUMMARY).toString(), null, "no trainer summary: the run has not ended");
        }
        return RunFiles.summary(dir);
    }

    @Override
    public void close() throws IOException {
        for (BufferedWriter w : series.values()) {
            w.close();
        }
        series.clear();
    }
}
