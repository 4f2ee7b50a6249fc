package dev.mzflink.bench;

import dev.mzflink.compile.Compilation;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.sql.Quote;
import dev.mzflink.testing.Scripts;
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
import java.util.Map;
import java.util.Optional;

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

  List<Long> numbers(String name) {
    List<Long> values = new ArrayList<>();
    for (String v : parameters.get(name).split(",")) {
      values.add(Long.parseLong(v.strip().replace("_", "")));
    }
    return values;
  }

  /** A CPU and wall clock started now. */
  Clock clock() {
    return new Clock();
  }

  /** Wall clock and CPU clocks of one timed run. */
  final class Clock {
    private final long start = System.nanoTime();
    private final double jvm = ProcCpu.jvmSeconds();
    private final double tools = ProcCpu.childSeconds();
    private final double postgres = cpu.postgresSeconds();
    private final Map<Long, Double> walsenders = cpu.walsenders();

    double elapsed() {
      return (System.nanoTime() - start) / 1e9;
    }

    Results.Sample stop(String series, int run, double items) {
      return stop(series, run, items, elapsed());
    }

    /** Ends the run with its wall-clock time measured earlier (CPU clocks read now). */
    Results.Sample stop(String series, int run, double items, double seconds) {
      Results.Sample sample =
          new Results.Sample(
              series,
              run,
              seconds,
              items,
              ProcCpu.jvmSeconds() - jvm,
              cpu.postgresSeconds() - postgres,
              ProcCpu.childSeconds() - tools,
              ProcCpu.walsenderDelta(walsenders, cpu.walsenders()));
      results.add(sample);
      return sample;
    }
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
