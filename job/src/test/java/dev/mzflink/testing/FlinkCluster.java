package dev.mzflink.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standalone Flink session cluster started with the project's own {@code deploy/cluster.sh}
 * (JobManager and TaskManagers as separate JVMs, on free ports), and the project's {@code
 * deploy/flink.sh} and {@code deploy/sql-client.sh} pointed at it.
 */
public final class FlinkCluster implements AutoCloseable {
  private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

  private final Path work;
  private final int restPort;
  private final HttpClient http = HttpClient.newHttpClient();

  private FlinkCluster(Path work, int restPort) {
    this.work = work;
    this.restPort = restPort;
  }

  /** Starts a cluster with {@code taskManagers} TaskManagers; state and logs under {@code work}. */
  public static FlinkCluster start(Path work, int taskManagers) throws Exception {
    Files.createDirectories(work);
    int restPort = freePort();
    FlinkCluster cluster = new FlinkCluster(work, restPort);
    cluster.script(
        Duration.ofMinutes(3),
        "cluster.sh",
        "start",
        "--taskmanagers",
        Integer.toString(taskManagers),
        "--work-dir",
        work.toString(),
        "-D",
        "rest.port=" + restPort,
        "-D",
        "jobmanager.rpc.port=" + freePort(),
        "-D",
        "execution.checkpointing.dir=" + work.resolve("checkpoints").toUri(),
        "-D",
        "execution.checkpointing.savepoint-dir=" + work.resolve("savepoints").toUri());
    return cluster;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** {@code host:port} of the REST API. */
  public String restAddress() {
    return "localhost:" + restPort;
  }

  public Path work() {
    return work;
  }

  /**
   * Runs a script of deploy/; returns its output (stdout and stderr) and fails on a non-zero exit.
   */
  public String script(Duration timeout, String script, String... args) throws Exception {
    Result r = run(timeout, script, args);
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "deploy/"
              + script
              + " "
              + String.join(" ", args)
              + " exited with "
              + r.exitCode()
              + ":\n"
              + r.output());
    }
    return r.output();
  }

  /** The exit code and output of a script of deploy/. */
  public record Result(int exitCode, String output) {}

  public Result run(Duration timeout, String script, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(DEPLOY.resolve(script).toString());
    command.addAll(List.of(args));
    Path output = Files.createTempFile(work, script, ".out");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().put("FLINK_LOG_DIR", work.resolve("log").toString());
    Process process = builder.start();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(
          "deploy/"
              + script
              + " did not finish within "
              + timeout
              + ":\n"
              + Files.readString(output));
    }
    return new Result(process.exitValue(), Files.readString(output));
  }

  /**
   * {@code flink.sh ARGS} against this cluster (the {@code -m} option is added after the action).
   */
  public String flink(String action, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(action, "-m", restAddress()));
    all.addAll(List.of(args));
    return script(Duration.ofMinutes(3), "flink.sh", all.toArray(new String[0]));
  }

  /** Stops a job with a savepoint in {@code directory}; returns the savepoint's path. */
  public String stopWithSavepoint(String jobId, Path directory) throws Exception {
    String out = flink("stop", "--savepointPath", directory.toUri().toString(), jobId);
    Matcher m = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(out);
    if (!m.find()) {
      throw new AssertionError("no savepoint path in:\n" + out);
    }
    return m.group(1);
  }

  /** Kills TaskManager {@code n} with SIGKILL. */
  public void killTaskManager(int n) throws Exception {
    long pid = Long.parseLong(Files.readString(work.resolve("taskmanager-" + n + ".pid")).strip());
    new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start().waitFor();
    Await.until(
        "TaskManager " + n + " to exit",
        Duration.ofSeconds(10),
        () -> ProcessHandle.of(pid).isEmpty());
  }

  public void addTaskManager() throws Exception {
    script(Duration.ofMinutes(2), "cluster.sh", "add-taskmanager", "--work-dir", work.toString());
  }

  /** The job's state as the REST API reports it (RUNNING, RESTARTING, FAILED, ...). */
  public String jobState(String jobId) throws Exception {
    String body = get("/jobs/" + jobId);
    Matcher m = Pattern.compile("\"state\":\"([A-Z_]+)\"").matcher(body);
    if (!m.find()) {
      throw new AssertionError("no job state in " + body);
    }
    return m.group(1);
  }

  /** Waits until the job and all its tasks run. */
  public void awaitRunning(String jobId, Duration timeout) throws Exception {
    Await.until(
        "job " + jobId + " to run",
        timeout,
        () -> {
          String body = get("/jobs/" + jobId);
          return body.contains("\"state\":\"RUNNING\"")
              && !body.matches("(?s).*\"status\":\"(CREATED|SCHEDULED|DEPLOYING|INITIALIZING)\".*");
        });
  }

  /** How many failures the job has had (Flink's exception history). */
  public int failures(String jobId) throws Exception {
    Matcher m =
        Pattern.compile("\"exceptionName\"")
            .matcher(get("/jobs/" + jobId + "/exceptions?maxExceptions=1000"));
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /**
   * Waits until the job has failed more often than {@code before} times, then until it runs again.
   */
  public void awaitRecovery(String jobId, int before, Duration timeout) throws Exception {
    Await.until("job " + jobId + " to notice the fault", timeout, () -> failures(jobId) > before);
    awaitRunning(jobId, timeout);
  }

  /** The ids of the jobs in a state, e.g. RUNNING. */
  public List<String> jobs(String state) throws Exception {
    String body = get("/jobs");
    List<String> ids = new ArrayList<>();
    Matcher m =
        Pattern.compile("\"id\":\"([0-9a-f]+)\",\"status\":\"" + state + "\"").matcher(body);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }

  private String get(String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + restAddress() + path)).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
  }

  /** The text of every log file the cluster and its clients wrote so far. */
  public String logs() throws Exception {
    StringBuilder text = new StringBuilder();
    try (var files = Files.list(work.resolve("log"))) {
      for (Path f : files.sorted().toList()) {
        if (Files.isRegularFile(f)) {
          text.append(Files.readString(f, StandardCharsets.ISO_8859_1));
        }
      }
    }
    return text.toString();
  }

  @Override
  public void close() throws Exception {
    script(Duration.ofMinutes(2), "cluster.sh", "stop", "--work-dir", work.toString());
    // Keep the cluster's logs for a look after the build (the work directory is temporary).
    Path logs = Path.of("target", "cluster-logs");
    Files.createDirectories(logs);
    try (var files = Files.list(work.resolve("log"))) {
      for (Path f : files.toList()) {
        Files.copy(
            f, logs.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
