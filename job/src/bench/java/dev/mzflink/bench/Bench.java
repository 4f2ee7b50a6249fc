package dev.mzflink.bench;

import dev.mzflink.compile.Compilation;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.sql.Quote;
import dev.mzflink.testing.Scripts;
import dev.mzflink.translate.SourceReading;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobStatus;

/** What every measure needs: the server, parameters, CPU clocks, results, and small helpers. */
final class Bench {
  final EmbeddedPostgresServer server;
  final ProcCpu cpu;
  final Results results;
  final Map<String, String> parameters;
  final int runs;
  private int databases;

  Bench(
      EmbeddedPostgresServer server, ProcCpu cpu, Results results, Map<String, String> parameters) {
    this.server = server;
    this.cpu = cpu;
    this.results = results;
    this.parameters = parameters;
    this.runs = (int) number("runs");
  }

  long number(String name) {
    String v = parameters.get(name);
    if (v == null) {
      throw new IllegalStateException("no parameter " + name);
    }
    return Long.parseLong(v.replace("_", ""));
  }

  /** A comma-separated list of numbers; empty when the parameter is empty. */
  List<Long> numbers(String name) {
    List<Long> values = new ArrayList<>();
    for (String v : parameters.get(name).split(",")) {
      if (!v.isBlank()) {
        values.add(Long.parseLong(v.strip().replace("_", "")));
      }
    }
    return values;
  }

  /** A row count as a short label: 1M, 10M, 20k, 1500. */
  static String sizeLabel(long rows) {
    if (rows >= 1_000_000 && rows % 1_000_000 == 0) {
      return rows / 1_000_000 + "M";
    }
    if (rows >= 1_000 && rows % 1_000 == 0) {
      return rows / 1_000 + "k";
    }
    return Long.toString(rows);
  }

  /** A CPU and wall clock started now. */
  Clock clock() {
    return new Clock(now());
  }

  /** The wall clock and CPU clocks read at one moment. */
  record Reading(
      long nanos, double jvm, double tools, double postgres, Map<Long, Double> walsenders) {}

  /** Reads the wall clock and the CPU clocks now. */
  Reading now() {
    return new Reading(
        System.nanoTime(),
        ProcCpu.jvmSeconds(),
        ProcCpu.childSeconds(),
        cpu.postgresSeconds(),
        cpu.walsenders());
  }

  /** Wall clock and CPU clocks of one timed run. */
  final class Clock {
    private final Reading start;

    private Clock(Reading start) {
      this.start = start;
    }

    double elapsed() {
      return (System.nanoTime() - start.nanos()) / 1e9;
    }

    Results.Sample stop(String series, int run, double items) {
      return stop(series, run, items, elapsed());
    }

    /** Ends the run with its wall-clock time measured earlier (CPU clocks read now). */
    Results.Sample stop(String series, int run, double items, double seconds) {
      Reading end = now();
      return add(series, run, items, seconds, end);
    }

    /**
     * Ends the run at {@code end} (read once to end several clocks at the same moment, e.g. a run
     * and its part after {@link #split}).
     */
    Results.Sample stop(String series, int run, double items, Reading end) {
      return add(series, run, items, (end.nanos() - start.nanos()) / 1e9, end);
    }

    /**
     * Ends the first part of the run now: adds its sample (from this clock's start) as {@code
     * series} and returns a clock of the rest of the run, started at the same moment. This clock
     * goes on timing the whole run.
     */
    Clock split(String series, int run, double items) {
      Reading now = now();
      add(series, run, items, (now.nanos() - start.nanos()) / 1e9, now);
      return new Clock(now);
    }

    private Results.Sample add(String series, int run, double items, double seconds, Reading end) {
      Results.Sample sample =
          new Results.Sample(
              series,
              run,
              seconds,
              items,
              end.jvm() - start.jvm(),
              end.postgres() - start.postgres(),
              end.tools() - start.tools(),
              ProcCpu.walsenderDelta(start.walsenders(), end.walsenders()));
      results.add(sample);
      return sample;
    }
  }

  /**
   * Waits for the start-up of a pipeline started on {@code clock}: until {@code firstRow} holds
   * (polled every 50 ms), that is until the first row the job writes is visible in the results
   * database (rows become visible when the results sink commits a completed checkpoint). Adds the
   * start-up's sample as {@code series}: from the clock's start (compiling the script against the
   * server, preparing the results tables, submitting the job) to that first row, so that the
   * start-up and the rest add up to the run. Returns a clock of the rest of the run, started at
   * that moment. Prints when {@link RunningPipeline#start} had returned (the job submitted) and
   * when Flink reported the job RUNNING (scheduled; its tasks may still be deploying), for
   * information; fails if the job ends before its first row.
   */
  Clock awaitStartup(Clock clock, RunningPipeline pipeline, Check firstRow, String series, int run)
      throws Exception {
    double submitted = clock.elapsed();
    double running = Double.NaN;
    long deadline = System.nanoTime() + Duration.ofHours(1).toNanos();
    while (!firstRow.holds()) {
      if (Double.isNaN(running)) {
        JobStatus status = pipeline.status();
        if (status == JobStatus.RUNNING) {
          running = clock.elapsed();
        } else if (status.isGloballyTerminalState()) {
          throw new IllegalStateException(
              "the job ended (" + status + ") before its first row in the results database");
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for the first row of " + series);
      }
      Thread.sleep(50);
    }
    Clock rest = clock.split(series, run, 0);
    System.out.printf(
        Locale.ROOT,
        "    start-up: submitted after %.2f s, RUNNING after %s, first row after %.2f s%n",
        submitted,
        Double.isNaN(running) ? "(not seen)" : String.format(Locale.ROOT, "%.2f s", running),
        (rest.start.nanos() - clock.start.nanos()) / 1e9);
    return rest;
  }

  /** Creates a database with a fresh name starting with {@code prefix}. */
  String newDatabase(String prefix) throws SQLException {
    String name = prefix + "_" + (++databases);
    server.createDatabase(name);
    return name;
  }

  void dropDatabase(String name) {
    try (Connection c = server.connect("postgres");
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + Quote.pgIdentifier(name) + " WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("could not drop database " + name + ": " + e.getMessage());
    }
  }

  Connection connect(String database) throws SQLException {
    return server.connect(database);
  }

  static void execute(Connection c, String... statements) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  void execute(String database, String... statements) throws SQLException {
    try (Connection c = connect(database)) {
      execute(c, statements);
    }
  }

  static long longValue(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  static boolean booleanValue(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getBoolean(1);
    }
  }

  static String stringValue(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }

  /** A script of one source over publication {@code p} of {@code database}. */
  String sourceScript(String source, String database, boolean materialized) {
    return "CREATE "
        + (materialized ? "MATERIALIZED " : "")
        + "SOURCE "
        + source
        + " FROM POSTGRES HOST '"
        + server.conninfo(database)
        + "' PUBLICATION 'p';\nCREATE VIEWS FROM SOURCE "
        + source
        + ";\n";
  }

  /** Compiles {@code script} against the live server and starts it in this JVM's MiniCluster. */
  RunningPipeline start(
      String script,
      String resultsDatabase,
      int parallelism,
      Duration checkpointInterval,
      Optional<String> savepoint,
      SourceReading reading) {
    String url = server.jdbcUrl(resultsDatabase);
    Compilation compiled = Scripts.compile(script, url);
    RunOptions options =
        new RunOptions(url, Optional.empty(), checkpointInterval, parallelism, savepoint, "bench")
            .withSourceReading(reading);
    return PipelineRunner.start(compiled.flinkPlan(), options);
  }

  /** Flink's EXPLAIN of {@code script}'s job, compiled against the live server. */
  String explain(String script, String resultsUrl, int parallelism) {
    Compilation compiled = Scripts.compile(script, resultsUrl);
    return PipelineRunner.explain(
        compiled.flinkPlan(),
        new RunOptions(
            resultsUrl,
            Optional.empty(),
            Duration.ofSeconds(2),
            parallelism,
            Optional.empty(),
            "bench"));
  }

  /** Polls {@code condition} every {@code pollMillis} until true; fails after {@code timeout}. */
  static void await(String what, Duration timeout, long pollMillis, Check condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(pollMillis);
    }
  }

  interface Check {
    boolean holds() throws Exception;
  }

  /** Drops every inactive replication slot of the server (the harness's own, at its end). */
  void dropInactiveSlots() {
    try (Connection c = connect("postgres");
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
    } catch (SQLException e) {
      System.err.println("could not drop replication slots: " + e.getMessage());
    }
  }

  /**
   * A PostgreSQL client program ({@code psql}, {@code pg_recvlogical}) from an installed
   * PostgreSQL, if any.
   */
  static Optional<Path> clientProgram(String name) {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("PG_BIN");
    if (configured != null) {
      candidates.add(Path.of(configured, name));
    }
    File lib = new File("/usr/lib/postgresql");
    File[] versions = lib.listFiles();
    if (versions != null) {
      java.util.Arrays.sort(versions, java.util.Comparator.comparing(File::getName).reversed());
      for (File v : versions) {
        candidates.add(v.toPath().resolve("bin").resolve(name));
      }
    }
    candidates.add(Path.of("/usr/bin", name));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /**
   * Runs two programs with the standard output of the first piped into the standard input of the
   * second (an operating system pipe, as a shell's {@code |}; nothing passes through this JVM);
   * both programs' other output goes to {@code log}. Fails if either exits with an error.
   */
  static void runPipe(List<String> from, List<String> to, Path log) throws Exception {
    ProcessBuilder.Redirect appendLog = ProcessBuilder.Redirect.appendTo(log.toFile());
    List<Process> processes =
        ProcessBuilder.startPipeline(
            List.of(
                new ProcessBuilder(from).redirectError(appendLog),
                new ProcessBuilder(to).redirectError(appendLog).redirectOutput(appendLog)));
    for (int i = 0; i < processes.size(); i++) {
      int code = processes.get(i).waitFor();
      if (code != 0) {
        List<String> command = i == 0 ? from : to;
        throw new IllegalStateException(
            command.get(0) + " exited with " + code + " in a pipe: " + Files.readString(log));
      }
    }
  }

  /** Runs a program to completion; its output goes to {@code log}. */
  static void runProgram(List<String> command, Path log) throws Exception {
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    int code = p.waitFor();
    if (code != 0) {
      throw new IllegalStateException(
          command.get(0) + " exited with " + code + ": " + Files.readString(log));
    }
  }
}
