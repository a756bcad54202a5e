package ai.oxbow.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The few calls of Flink's REST API that submitting and stopping a job take (the API the web UI
 * and `flink run` use): upload a jar, run it, cancel, savepoint, stop with a savepoint.
 */
final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** @param jobManager HOST:PORT of the JobManager's REST endpoint (the web UI's address) */
    FlinkRest(String jobManager) {
        if (!jobManager.matches("[^:/\\s]+:\\d+")) {
            throw new IllegalArgumentException("--jobmanager must be HOST:PORT, got '" + jobManager + "'");
        }
        this.base = URI.create("http://" + jobManager + "/");
    }

    URI webUi() {
        return base;
    }

    /** Uploads a jar; returns its id on the cluster. */
    String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "oxbow" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                        + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(jar));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode reply = send(HttpRequest.newBuilder(base.resolve("jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        return Path.of(reply.path("filename").asText()).getFileName().toString();
    }

    /** Runs an uploaded jar's entry class with these arguments; returns the job id. */
    String runJar(String jarId, String entryClass, List<String> args, String restorePath, boolean allowNonRestored)
            throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode().put("entryClass", entryClass);
        request.putArray("programArgsList")
                .addAll(args.stream().map(JSON.getNodeFactory()::textNode).toList());
        if (restorePath != null) {
            request.put("savepointPath", restorePath).put("allowNonRestoredState", allowNonRestored);
        }
        return send(post("jars/" + jarId + "/run", request)).path("jobid").asText();
    }

    /** The job's state (RUNNING, FINISHED, FAILED, ...). */
    String jobState(String jobId) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve("jobs/" + jobId)).GET())
                .path("state")
                .asText();
    }

    void cancel(String jobId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(base.resolve("jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    /** Takes a savepoint into {@code directory}; with {@code stop} the job then finishes. Returns its path. */
    String savepoint(String jobId, String directory, boolean stop) throws IOException, InterruptedException {
        JsonNode trigger = stop
                ? send(post(
                        "jobs/" + jobId + "/stop",
                        JSON.createObjectNode()
                                .put("targetDirectory", directory)
                                .put("drain", false)))
                : send(post(
                        "jobs/" + jobId + "/savepoints",
                        JSON.createObjectNode()
                                .put("target-directory", directory)
                                .put("cancel-job", false)));
        String triggerId = trigger.path("request-id").asText();
        while (true) {
            JsonNode status = send(HttpRequest.newBuilder(base.resolve("jobs/" + jobId + "/savepoints/" + triggerId))
                    .GET());
            if (status.path("status").path("id").asText().equals("COMPLETED")) {
                JsonNode operation = status.path("operation");
                if (operation.has("failure-cause")) {
                    throw new IllegalStateException("savepoint failed: "
                            + operation
                                    .path("failure-cause")
                                    .path("stack-trace")
                                    .asText()
                                    .lines()
                                    .findFirst()
                                    .orElse(""));
                }
                return operation.path("location").asText();
            }
            Thread.sleep(500);
        }
    }

    private HttpRequest.Builder post(String path, JsonNode body) throws IOException {
        return HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    }

    /** Sends; a reply other than 2xx becomes an exception with the cluster's own error text. */
    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> reply;
        try {
            reply = http.send(request.timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IllegalArgumentException("no Flink JobManager answers at " + base
                    + " (--jobmanager; deploy/flink/start-cluster.sh starts one)");
        }
        JsonNode body = reply.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(reply.body());
        if (reply.statusCode() / 100 != 2) {
            String errors = body.path("errors").toString();
            throw new IllegalStateException("Flink REST " + reply.request().method() + " "
                    + reply.request().uri().getPath() + ": HTTP " + reply.statusCode() + " " + errors);
        }
        return body;
    }
}
