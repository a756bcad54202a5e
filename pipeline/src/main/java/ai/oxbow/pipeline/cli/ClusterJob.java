package ai.oxbow.pipeline.cli;

import org.slf4j.LoggerFactory;

/**
 * The entry class `submit` runs on the cluster: `run` with the submitted options. It is not
 * {@link Oxbow#main}, which ends its JVM when done: here that JVM is the JobManager.
 */
public final class ClusterJob {
    private ClusterJob() {}

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(Run.OPTIONS, argv);
        LoggerFactory.getLogger(ClusterJob.class).info("oxbow run configuration:\n{}", a.effectiveConfig());
        Run.run(Run.config(a));
    }
}
