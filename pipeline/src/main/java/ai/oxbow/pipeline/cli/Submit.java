package ai.oxbow.pipeline.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * `submit`, `cancel` and `savepoint`: the job on a Flink cluster through the JobManager's REST
 * API. `submit` takes the options of `run`, checks them here first, uploads the job jar and runs
 * {@link ClusterJob} with them.
 */
final class Submit {
    private static final Option<String> JOBMANAGER = Option.string(
                    "jobmanager", "the Flink cluster's REST address HOST:PORT")
            .required();
    private static final Option<String> JOB = Option.string("job", "job id").required();
    private static final Option<String> JAR =
            Option.string("jar", "the job jar to upload").computed("oxbow-job.jar beside oxbow.jar");
    private static final Option<Boolean> WAIT = Option.flag("wait", false, "return when the job ends, with its state");
    static final List<Option<?>> SUBMIT = JobOptions.concat(List.of(JOBMANAGER, JAR, WAIT), Run.OPTIONS);
    /** Submit's own options, not passed on to `run` on the cluster. */
    private static final List<Option<?>> OWN = List.of(JOBMANAGER, JAR, WAIT, Args.PRINT_CONFIG);

    private static final Option<String> STOP_SAVEPOINT_DIR =
            Option.string("savepoint-dir", "stop with a savepoint there").computed("none (cancel)");
    static final List<Option<?>> CANCEL = List.of(JOBMANAGER, JOB, STOP_SAVEPOINT_DIR);
    private static final Option<String> SAVEPOINT_DIR =
            Option.string("savepoint-dir", "where the savepoint goes").required();
    static final List<Option<?>> SAVEPOINT = List.of(JOBMANAGER, JOB, SAVEPOINT_DIR);
    private static final Set<String> ENDED = Set.of("FINISHED", "FAILED", "CANCELED");

    private Submit() {}

    static Command.Run submit(Args a) throws URISyntaxException {
        FlinkRest rest = new FlinkRest(a.get(JOBMANAGER));
        Path jar = Path.of(a.getOr(JAR, defaultJar().toString()));
        boolean await = a.get(WAIT);
        List<String> runArgs = a.argv(OWN);
        Args run = Args.parse(Run.OPTIONS, runArgs.toArray(String[]::new));
        Run.config(run); // checks every option but submit's own
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "--jar " + jar + ": no such file (mvn package builds pipeline/target/oxbow-job.jar)");
        }
        String restore = run.get(Run.RESTORE);
        boolean allowNonRestoredState = run.get(Run.ALLOW_NON_RESTORED_STATE);
        return () -> {
            long start = System.nanoTime();
            String jarId = rest.uploadJar(jar);
            String jobId = rest.runJar(jarId, ClusterJob.class.getName(), runArgs, restore, allowNonRestoredState);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("job_id", jobId);
            out.put("jar_id", jarId);
            out.put(
                    "web_ui",
                    rest.webUi().resolve("#/job/running/" + jobId + "/overview").toString());
            if (await) {
                String state;
                while (!ENDED.contains(state = rest.jobState(jobId))) {
                    Thread.sleep(1000);
                }
                out.put("state", state);
                out.put("seconds", (System.nanoTime() - start) / 1e9);
            }
            System.out.println(Json.line(out));
        };
    }

    static Command.Run cancel(Args a) {
        FlinkRest rest = new FlinkRest(a.get(JOBMANAGER));
        String job = a.get(JOB);
        String dir = a.get(STOP_SAVEPOINT_DIR);
        return () -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("job_id", job);
            if (dir == null) {
                rest.cancel(job);
                out.put("state", "CANCELLING");
            } else {
                out.put("savepoint", rest.savepoint(job, dir, true));
            }
            System.out.println(Json.line(out));
        };
    }

    static Command.Run savepoint(Args a) {
        FlinkRest rest = new FlinkRest(a.get(JOBMANAGER));
        String job = a.get(JOB);
        String dir = a.get(SAVEPOINT_DIR);
        return () -> System.out.println(Json.line(Map.of("job_id", job, "savepoint", rest.savepoint(job, dir, false))));
    }

    /** pipeline/target/oxbow-job.jar, beside the oxbow.jar this runs from. */
    private static Path defaultJar() throws URISyntaxException {
        Path self = Path.of(
                Submit.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return self.resolveSibling("oxbow-job.jar");
    }
}
