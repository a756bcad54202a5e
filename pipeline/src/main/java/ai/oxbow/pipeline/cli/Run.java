package ai.oxbow.pipeline.cli;

import ai.oxbow.pipeline.job.JobConfig;
import ai.oxbow.pipeline.job.OxbowJob;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** `run`: the job against an external Kafka, where the environment points (local, or the cluster it was submitted to). */
final class Run {
    private Run() {}

    static final Option<Boolean> BOUNDED = Option.flag(
            "bounded", false, "stop at the images topic's end offsets as" + " of the start; else run until cancelled");
    static final Option<String> CHECKPOINT_DIR =
            Option.string("checkpoint-dir", "file:///tmp/oxbow/checkpoints", "checkpoint directory URI");
    static final Option<String> RESTORE = Option.string("restore", "a retained checkpoint or savepoint to resume from")
            .computed("none");
    static final Option<Boolean> ALLOW_NON_RESTORED_STATE = Option.flag(
            "allow-non-restored-state",
            false,
            "restore even if the checkpoint holds state of operators this graph lacks");
    static final Option<String> RUN_DIR = Option.string(
                    "run-dir", "directory for the final trainer state and trainer events")
            .computed("none");
    static final Option<String> TRANSACTIONAL_ID_PREFIX = Option.string(
            "transactional-id-prefix",
            JobConfig.Kafka.DEFAULTS.transactionalIdPrefix(),
            "prefix of the Kafka sinks' transactional ids");

    /** `run`'s own options, then the job's. */
    static final List<Option<?>> OPTIONS = JobOptions.concat(
            List.of(
                    JobOptions.BOOTSTRAP,
                    BOUNDED,
                    CHECKPOINT_DIR,
                    RESTORE,
                    ALLOW_NON_RESTORED_STATE,
                    RUN_DIR,
                    TRANSACTIONAL_ID_PREFIX,
                    JobOptions.THREADS),
            JobOptions.ALL,
            JobOptions.KAFKA,
            List.of(Args.CONFIG, Args.PRINT_CONFIG));

    static Command.Run prepare(Args a) {
        JobConfig cfg = config(a);
        return () -> run(cfg);
    }

    static void run(JobConfig cfg) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OxbowJob.flinkConfiguration(cfg));
        OxbowJob.build(env, cfg);
        env.execute();
    }

    /** The job `run` (and `submit`) starts; every option is checked here, before anything runs. */
    static JobConfig config(Args a) {
        return new JobConfig(
                JobOptions.kafka(a, JobOptions.kafkaClient(a), a.get(TRANSACTIONAL_ID_PREFIX), a.get(BOUNDED)),
                JobOptions.decoding(a),
                JobOptions.training(a, ModelOptions.trainer(a, 10_000, false, "none"), "none", a.get(RUN_DIR), 0),
                JobOptions.embedders(a),
                JobOptions.stores(a, null),
                new JobConfig.Checkpoints(
                        a.get(JobOptions.CHECKPOINT_INTERVAL_MS),
                        a.get(CHECKPOINT_DIR),
                        a.get(RESTORE),
                        a.get(ALLOW_NON_RESTORED_STATE),
                        JobConfig.Checkpoints.RESTART_ATTEMPTS));
    }
}
