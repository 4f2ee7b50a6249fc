package dev.mzflink.bench;

import dev.mzflink.demo.EmbeddedPostgresServer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark harness (issue 9): starts its own PostgreSQL, sizes data from parameters, runs each
 * measure {@code runs} times against the limit measured on the same server in the same run, prints
 * a table, and writes {@code run-<time>.csv}, {@code run-<time>.md}, {@code chart.png} and {@code
 * summary.csv} to {@code bench/results/}.
 *
 * <p>Parameters: {@code -Dbench.runs=5} and {@code -Dbench.args="key=value ..."} with the keys of
 * {@link #defaults()}, e.g. {@code measures=snapshot,stream snapshot.rows=20000
 * snapshot.wide.rows=5000} (lists are comma-separated: {@code snapshot.rows=1000000,10000000}; an
 * empty {@code snapshot.wide.rows=} skips the wide rows). {@code -Dbench.rows=N} sets {@code
 * snapshot.rows} when given. Run: {@code mvn -Pbench -pl job verify -DskipTests -Dbench.runs=5
 * -Dbench.args="snapshot.rows=1000000"}.
 */
public final class BenchRunner {
  private BenchRunner() {}

  static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("measures", "walsenders,freshness,views,stream,snapshot");
    d.put("runs", "5");
    // Narrow and wide (~600-byte) table sizes, comma-separated; empty runs none of that shape.
    d.put("snapshot.rows", "1000000,10000000");
    d.put("snapshot.wide.rows", "1000000");
    d.put("snapshot.parallelism", "1,2");
    d.put("stream.changes", "1000000");
    d.put("stream.parallelism", "1");
    d.put("freshness.ladder", "1000,5000,20000");
    d.put("freshness.seconds", "15");
    d.put("freshness.checkpoint.ms", "500");
    d.put("views.customers", "5000");
    d.put("views.changes", "200000");
    d.put("views.queries", "tpch_q3,tpch_q1,shop_revenue");
    d.put("views.parallelism", "1");
    d.put("walsender.changes", "20000");
    return d;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> parameters = defaults();
    String runs = System.getProperty("bench.runs");
    if (runs != null && !runs.isBlank()) {
      parameters.put("runs", runs);
    }
    String rows = System.getProperty("bench.rows");
    if (rows != null && !rows.isBlank()) {
      parameters.put("snapshot.rows", rows);
    }
    for (String pair : System.getProperty("bench.args", "").trim().split("\\s+")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq < 0 || !parameters.containsKey(pair.substring(0, eq))) {
        throw new IllegalArgumentException(
            "unknown benchmark parameter " + pair + "; known: " + parameters.keySet());
      }
      parameters.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    Path out =
        Path.of(System.getProperty("bench.out", "bench/results")).toAbsolutePath().normalize();
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    System.out.println("mzflink benchmark " + stamp + ": " + parameters);
    System.out.println("machine: " + machine());
    Results results = new Results();
    int exit = 0;
    try (EmbeddedPostgresServer server =
        EmbeddedPostgresServer.start(
            Map.of(
                "max_replication_slots",
                "64",
                "max_wal_senders",
                "64",
                "max_connections",
                "200",
                "shared_buffers",
                "512MB",
                "max_wal_size",
                "4GB"))) {
      long postmaster;
      try (Connection c = server.connect("postgres")) {
        Path dataDirectory =
            Path.of(Bench.stringValue(c, "SELECT current_setting('data_directory')"));
        postmaster =
            Long.parseLong(
                Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip());
        parameters.put("postgresql", Bench.stringValue(c, "SHOW server_version"));
      }
      Bench bench = new Bench(server, new ProcCpu(postmaster), results, parameters);
      List<String> measures = List.of(parameters.get("measures").split(","));
      for (String measure : measures) {
        System.out.println();
        System.out.println("== " + measure);
        switch (measure.strip()) {
          case "snapshot" -> SnapshotMeasure.run(bench);
          case "stream" -> StreamMeasure.run(bench);
          case "freshness" -> FreshnessMeasure.run(bench);
          case "views" -> ViewsMeasure.run(bench);
          case "walsenders" -> WalsenderMeasure.run(bench);
          default -> throw new IllegalArgumentException("unknown measure " + measure);
        }
        // What is measured so far, in case a later measure fails or the run is cut short.
        results.write(
            out,
            stamp,
            parameters,
            new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
      }
    } catch (Exception e) {
      e.printStackTrace();
      exit = 1;
    } finally {
      parameters.put("machine", machine().replace(' ', '_'));
      results.write(out, stamp, parameters, System.out);
    }
    System.exit(exit);
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).strip();
          break;
        }
      }
    } catch (Exception e) {
      // keep unknown
    }
    long memory = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal")) {
          memory = Long.parseLong(line.replaceAll("\\D", "")) / 1024 / 1024;
        }
      }
    } catch (Exception e) {
      // keep 0
    }
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "?";
    }
    return Runtime.getRuntime().availableProcessors()
        + " cores "
        + cpu
        + ", "
        + memory
        + " GB, Java "
        + System.getProperty("java.version")
        + ", "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.version")
        + " ("
        + host
        + ")";
  }
}
