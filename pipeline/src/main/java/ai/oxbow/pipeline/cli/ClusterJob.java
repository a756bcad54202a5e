package ai.oxbow.pipeline.cli;

/**
 * The entry class `submit` runs on the cluster: `run` with the submitted options. It is not
 * {@link Oxbow#main}, which ends its JVM when done: here that JVM is the JobManager.
 */
public final class ClusterJob {
    private ClusterJob() {}

    public static void main(String[] argv) throws Exception {
        Oxbow.run(new Args(argv, 0));
    }
}
