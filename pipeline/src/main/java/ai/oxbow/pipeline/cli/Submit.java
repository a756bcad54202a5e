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
    private static final Option JOBMANAGER = Option.string("jobmanager", null,
            "the Flink cluster's REST address HOST:PORT").computed("required");
    private static final Option JOB = Option.string("job", null, "job id").computed("required");
    static final List<Option> SUBMIT = JobOptions.concat(List.of(JOBMANAGER,
            Option.string("jar", null, "the job jar to upload").computed("oxbow-job.jar beside oxbow.jar"),
            Option.flag("wait", false, "return when the job ends, with its state")), Oxbow.RUN);
    private static final Set<String> OWN = Set.of("jobmanager", "jar", "wait", "print-config");
    static final List<Option> CANCEL = List.of(JOBMANAGER, JOB,
            Option.string("savepoint-dir", null, "stop with a savepoint there").computed("none (cancel)"));
    static final List<Option> SAVEPOINT = List.of(JOBMANAGER, JOB,
            Option.string("savepoint-dir", null, "where the savepoint goes").computed("required"));
    private static final Set<String> ENDED = Set.of("FINISHED", "FAILED", "CANCELED");

    private Submit() {}

    static void submit(Args a) throws Exception {
        FlinkRest rest = new FlinkRest(required(a, "jobmanager"));
        Path jar = Path.of(a.get("jar", defaultJar().toString()));
        boolean await = a.getBoolean("wait");
        List<String> runArgs = a.argv(OWN);
        Args run = Args.parse(Oxbow.RUN, runArgs.toArray(String[]::new));
        Oxbow.runConfig(run); // checks every option but submit's own
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--jar " + jar + ": no such file (mvn package builds pipeline/target/oxbow-job.jar)");
        }
        long start = System.nanoTime();
        String jarId = rest.uploadJar(jar);
        String jobId = rest.runJar(jarId, ClusterJob.class.getName(), runArgs, run.get("restore"),
                run.getBoolean("allow-non-restored-state"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", jobId);
        out.put("jar_id", jarId);
        out.put("web_ui", rest.webUi().resolve("#/job/running/" + jobId + "/overview").toString());
        if (await) {
            String state;
            while (!ENDED.contains(state = rest.jobState(jobId))) {
                Thread.sleep(1000);
            }
            out.put("state", state);
            out.put("seconds", (System.nanoTime() - start) / 1e9);
        }
        System.out.println(Json.line(out));
    }

    static void cancel(Args a) throws Exception {
        FlinkRest rest = new FlinkRest(required(a, "jobmanager"));
        String job = required(a, "job");
        String dir = a.get("savepoint-dir");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", job);
        if (dir == null) {
            rest.cancel(job);
            out.put("state", "CANCELLING");
        } else {
            out.put("savepoint", rest.savepoint(job, dir, true));
        }
        System.out.println(Json.line(out));
    }

    static void savepoint(Args a) throws Exception {
        FlinkRest rest = new FlinkRest(required(a, "jobmanager"));
        String job = required(a, "job");
        String dir = required(a, "savepoint-dir");
        System.out.println(Json.line(Map.of("job_id", job, "savepoint", rest.savepoint(job, dir, false))));
    }

    private static String required(Args a, String key) {
        String value = a.get(key);
        if (value == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return value;
    }

    /** pipeline/target/oxbow-job.jar, beside the oxbow.jar this runs from. */
    private static Path defaultJar() throws URISyntaxException {
        Path self = Path.of(Submit.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return self.resolveSibling("oxbow-job.jar");
    }
}
