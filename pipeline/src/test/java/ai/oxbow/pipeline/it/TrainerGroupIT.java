package ai.oxbow.pipeline.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.pipeline.cli.CheckpointInfo;
import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.kafka.Broker;
import ai.oxbow.pipeline.kafka.Topics;
import ai.oxbow.pipeline.train.RunDirectory;
import ai.oxbow.pipeline.train.TrainerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trainer groups on real parts (a KRaft broker, a MiniCluster whose two trainer ranks meet through
 * the job's coordinator and exchange over TCP): two ranks share a one-partition topic and train
 * it once, reproducibly; a failover restores every rank from one cut and changes nothing; a
 * savepoint of two ranks resumes as one and one as two, the model carried over bit for bit.
 */
class TrainerGroupIT {
    static final int EVENTS = 640;

    @RegisterExtension
    static final Broker kafka = new Broker();

    /** A bounded job of {@code ranks} trainers on a one-partition images topic of {@link #EVENTS} images. */
    private static JobConfig group(String name, int ranks, Path runDir, long failAtStep) throws Exception {
        Topics.create(kafka.client(), Map.of(name + ".images", 1));
        JobConfig base = PipelineIT.config(kafka.client(), name, "simclr", runDir);
        TrainerOptions o = base.training().options();
        // Versions by step only: a run's state must not depend on the clock.
        TrainerOptions options = new TrainerOptions(
                o.runDir(),
                o.progressIntervalMs(),
                o.publishEverySteps(),
                0,
                o.collapseThreshold(),
                o.holdOnCollapse(),
                o.classes(),
                o.expectedImages(),
                o.pace(),
                o.viewThreads(),
                failAtStep);
        return base.withTraining(base.training().withOptions(options).withParallelism(ranks))
                .withCheckpoints(base.checkpoints().withIntervalMs(500));
    }

    private static byte[] finalState(Path runDir) throws Exception {
        return Files.readAllBytes(runDir.resolve("final-state.bin"));
    }

    @Test
    void twoRanksShareOnePartitionTrainItOnceAndReproducibly(@TempDir Path runs) throws Exception {
        JobConfig first = group("twin-a", 2, runs.resolve("a"), 0);
        JobConfig second = group("twin-b", 2, runs.resolve("b"), 0);
        Set<String> ids = PipelineIT.produce(first, EVENTS, List.of());
        PipelineIT.produce(second, EVENTS, List.of());
        PipelineIT.runJob(first);
        PipelineIT.runJob(second);

        PipelineIT.assertExactlyOneEmbeddingPerImage(first, ids);
        Map<String, String> summary = RunDirectory.summary(runs.resolve("a"));
        assertEquals(String.valueOf(EVENTS), summary.get("replay_admitted"), "each image entered one rank's buffer");
        // u = 1 and B = 32: each rank earns a step of 16 per 16 of its 320 images.
        assertEquals(String.valueOf(EVENTS / PipelineIT.BATCH), summary.get("steps"));
        assertArrayEquals(
                finalState(runs.resolve("a")),
                finalState(runs.resolve("b")),
                "two runs of the same stream end with the same state");
    }

    @Test
    void aFailedRankRestoresTheGroupFromOneCutAndChangesNothing(@TempDir Path runs) throws Exception {
        JobConfig straight = group("cut-a", 2, runs.resolve("a"), 0);
        JobConfig failing = group("cut-b", 2, runs.resolve("b"), 8);
        PipelineIT.produce(straight, EVENTS, List.of());
        Set<String> ids = PipelineIT.produce(failing, EVENTS, List.of());
        PipelineIT.runJob(straight);
        PipelineIT.runJob(failing);

        String events = Files.readString(runs.resolve("b").resolve("trainer-events.log"));
        Matcher restored = Pattern.compile("restored step=(\\d+) .* ranks=2->2").matcher(events);
        assertTrue(restored.find(), "the group restarted from a checkpoint: " + events);
        PipelineIT.assertExactlyOneEmbeddingPerImage(failing, ids);
        assertEquals(
                String.valueOf(EVENTS), RunDirectory.summary(runs.resolve("b")).get("replay_admitted"));
        assertArrayEquals(
                finalState(runs.resolve("a")),
                finalState(runs.resolve("b")),
                "a failover changes nothing the group learns");
    }

    /**
     * A savepoint's state restored into another group size (here a retained checkpoint of a bounded
     * run: Flink takes no savepoint once a bounded source has finished; scripts/scale.sh rescales
     * from a savepoint of an unbounded job on the real cluster).
     */
    @Test
    void twoRanksResumeAsOneAndOneAsTwo(@TempDir Path runs) throws Exception {
        for (int[] sizes : new int[][] {{2, 1}, {1, 2}}) {
            Path runDir = runs.resolve(sizes[0] + "to" + sizes[1]);
            JobConfig before = group("rescale-" + sizes[0] + "-" + sizes[1], sizes[0], runDir, 0);
            Set<String> ids = PipelineIT.produce(before, EVENTS, List.of());
            Path checkpoint = PipelineIT.cancelAfterCheckpoints(before, 3, runDir.resolve("checkpoints"));
            long savedStep;
            try (SslTrainer saved = new SslTrainer(before.training().trainer())) {
                saved.restore(CheckpointInfo.trainer(checkpoint));
                savedStep = saved.steps();
            }
            JobConfig after = before.withTraining(before.training().withParallelism(sizes[1]))
                    .withCheckpoints(before.checkpoints()
                            .restoring(
                                    checkpoint.toUri().toString(),
                                    runDir.resolve("checkpoints-after").toUri().toString()));
            PipelineIT.runJob(after);

            String events = Files.readString(runDir.resolve("trainer-events.log"));
            assertTrue(
                    events.contains("restored step=" + savedStep + " ")
                            && events.contains("ranks=" + sizes[0] + "->" + sizes[1]),
                    "resumed from the checkpoint's step with the new group: " + events);
            PipelineIT.assertExactlyOneEmbeddingPerImage(after, ids);
            assertEquals(
                    String.valueOf(EVENTS),
                    RunDirectory.summary(runDir).get("replay_admitted"),
                    "every image entered a buffer once across the rescale");
        }
    }
}
