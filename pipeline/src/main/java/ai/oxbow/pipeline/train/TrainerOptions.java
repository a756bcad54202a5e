package ai.oxbow.pipeline.train;

import java.io.Serializable;

/**
 * How the trainer operator runs around its model: where its files go, when it reports and
 * publishes, how it watches for collapse and how its input is paced. Checked when made.
 *
 * @param runDir             where CSV series, the final state and trainer events go (null: nowhere)
 * @param progressIntervalMs the progress line, CSV rows and the online probe every so often
 * @param publishEverySteps  publish the encoder every K steps (0 = by time only)
 * @param publishEveryMs     ... or every T ms (0 = by steps only)
 * @param collapseThreshold  alarm when collapse_std falls below this fraction of 1/sqrt(d)
 * @param holdOnCollapse     publish no new version while the alarm is on
 * @param classes            label classes for the online kNN probe
 * @param expectedImages     images a bounded run expects, for the progress ETA (0 = unknown)
 * @param pace               how the input is paced (see {@link Pace})
 * @param viewThreads        threads drawing the next batch's views while a step trains
 * @param failAtStep         test hook: fail once at this step after a checkpoint (0 = never)
 */
public record TrainerOptions(
        String runDir,
        long progressIntervalMs,
        long publishEverySteps,
        long publishEveryMs,
        double collapseThreshold,
        boolean holdOnCollapse,
        int classes,
        long expectedImages,
        Pace pace,
        int viewThreads,
        long failAtStep)
        implements Serializable {

    /**
     * How the trainer's input is paced.
     * <ul>
     *   <li>{@code BACKPRESSURE}: the trainer reads its own copy of the stream (the job gives it a
     *       source of its own) at the pace of training: it admits the events that pay for one step
     *       (ceil(B / u)), then waits until the steps they earned are done. Every event is trained
     *       on; Flink's back-pressure holds only the trainer's source, and the schedule depends on
     *       the event sequence only, not on thread timing.</li>
     *   <li>{@code SAMPLE}: the trainer takes images from the shared stream as they come and never
     *       holds it back; when they arrive faster than it trains, more than a buffer's worth of
     *       waiting images is dropped ({@code images_not_admitted}) and the buffer's policy samples
     *       the rest.</li>
     * </ul>
     */
    public enum Pace {
        BACKPRESSURE,
        SAMPLE;

        public static Pace parse(String name) {
            for (Pace p : values()) {
                if (p.name().equalsIgnoreCase(name)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("--trainer-pace must be backpressure or sample, not '" + name + "'");
        }
    }

    public TrainerOptions {
        atLeast("progressIntervalMs", progressIntervalMs, 1);
        atLeast("publishEverySteps", publishEverySteps, 0);
        atLeast("publishEveryMs", publishEveryMs, 0);
        if (!(collapseThreshold >= 0 && Double.isFinite(collapseThreshold))) {
            throw new IllegalArgumentException("trainer option collapseThreshold must be a finite number of at"
                    + " least 0, not " + collapseThreshold);
        }
        atLeast("classes", classes, 1);
        atLeast("expectedImages", expectedImages, 0);
        if (pace == null) {
            throw new IllegalArgumentException("trainer option pace is required");
        }
        atLeast("viewThreads", viewThreads, 0);
        atLeast("failAtStep", failAtStep, 0);
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    "trainer option " + name + " must be at least " + min + ", not " + value);
        }
    }
}
