package ai.oxbow.pipeline.local;

import ai.oxbow.pipeline.job.OxbowJob;
import java.net.URI;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A Flink MiniCluster in this process with the web UI (REST port) and the Prometheus reporter,
 * for the embedded demo and the tests. Jobs built on it run exactly as on a cluster.
 */
public final class LocalFlink implements AutoCloseable {
    private final MiniCluster cluster;

    private LocalFlink(MiniCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * @param restPort       web UI / REST port (0 = any free port)
     * @param prometheusPort Prometheus reporter port or range such as "9250-9299"
     */
    public static LocalFlink start(int restPort, String prometheusPort, int slots) throws Exception {
        Configuration conf = new Configuration();
        OxbowJob.set(conf, "rest.bind-address", "127.0.0.1");
        OxbowJob.set(conf, "rest.address", "127.0.0.1");
        OxbowJob.set(conf, "rest.port", String.valueOf(restPort));
        OxbowJob.set(
                conf,
                "metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        OxbowJob.set(conf, "metrics.reporter.prom.port", prometheusPort);
        OxbowJob.set(conf, "taskmanager.memory.managed.size", "64m");
        OxbowJob.set(conf, "taskmanager.memory.network.min", "64m");
        OxbowJob.set(conf, "taskmanager.memory.network.max", "64m");
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        cluster.start();
        return new LocalFlink(cluster);
    }

    public URI webUi() throws Exception {
        return cluster.getRestAddress().get();
    }

    public JobID submit(StreamExecutionEnvironment env) throws Exception {
        JobGraph graph = env.getStreamGraph().getJobGraph();
        return cluster.submitJob(graph).get().getJobID();
    }

    /** Waits for the job to end; throws with its cause if it failed. */
    public JobResult await(JobID job) throws Exception {
        JobResult result = cluster.requestJobResult(job).get();
        if (result.getSerializedThrowable().isPresent()) {
            throw new IllegalStateException(
                    "job failed",
                    result.getSerializedThrowable()
                            .get()
                            .deserializeError(getClass().getClassLoader()));
        }
        return result;
    }

    public long completedCheckpoints(JobID job) throws Exception {
        AccessExecutionGraph graph = cluster.getExecutionGraph(job).get();
        return graph.getCheckpointStatsSnapshot() == null
                ? 0
                : graph.getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    }

    /** Checkpointed bytes of the job's latest completed checkpoint (0 before the first). */
    public long latestCheckpointBytes(JobID job) throws Exception {
        var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
        var latest = stats == null ? null : stats.getHistory().getLatestCompletedCheckpoint();
        return latest == null ? 0 : latest.getStateSize();
    }

    public void cancel(JobID job) throws Exception {
        cluster.cancelJob(job).get();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
