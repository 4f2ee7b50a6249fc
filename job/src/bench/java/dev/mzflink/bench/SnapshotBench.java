package dev.mzflink.bench;

import dev.mzflink.compile.Compilation;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Scripts;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGConnection;

/**
 * Snapshot throughput of a table of N narrow rows {@code (id bigint primary key, v bigint)}: the
 * time until the results table holds every row, against {@code COPY (SELECT * FROM t) TO STDOUT} of
 * the same table into nothing, on the same server in the same run.
 *
 * <p>Run: {@code mvn -Pbench -pl job verify -DskipTests -Dbench.rows=1000000 -Dbench.runs=3}.
 */
public final class SnapshotBench {
  public static void main(String[] args) throws Exception {
    long rows = Long.getLong("bench.rows", 1_000_000);
    int runs = Integer.getInteger("bench.runs", 3);
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      server.createDatabase("bench");
      try (Connection c = server.connect("bench");
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (id bigint PRIMARY KEY, v bigint NOT NULL)");
        s.execute("ALTER TABLE t REPLICA IDENTITY FULL");
        s.execute("INSERT INTO t SELECT g, g * 7 FROM generate_series(1, " + rows + ") g");
        s.execute("VACUUM ANALYZE t");
        s.execute("CREATE PUBLICATION p FOR TABLE t");
      }
      List<Double> copy = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        copy.add(copySeconds(server));
      }
      System.out.printf("rows=%d%n", rows);
      report("copy to /dev/null", rows, copy);
      for (int parallelism : new int[] {1, 2}) {
        List<Double> pipeline = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          pipeline.add(pipelineSeconds(server, rows, parallelism));
        }
        report("mzflink snapshot, parallelism " + parallelism, rows, pipeline);
        System.out.printf(
            "ratio (mzflink/copy rows per second), parallelism %d: %.3f%n",
            parallelism, median(copy) / median(pipeline));
      }
    }
    System.exit(0);
  }

  private static double copySeconds(EmbeddedPostgresServer server) throws Exception {
    try (Connection c = server.connect("bench")) {
      long start = System.nanoTime();
      c.unwrap(PGConnection.class)
          .getCopyAPI()
          .copyOut("COPY (SELECT * FROM t) TO STDOUT", OutputStream.nullOutputStream());
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static double pipelineSeconds(EmbeddedPostgresServer server, long rows, int parallelism)
      throws Exception {
    server.createDatabase("results_" + parallelism + "_" + System.nanoTime());
    String results;
    try (Connection c = server.connect("postgres");
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT datname FROM pg_database WHERE datname LIKE 'results_%' ORDER BY oid DESC LIMIT 1")) {
      r.next();
      results = r.getString(1);
    }
    String script =
        "CREATE MATERIALIZED SOURCE s FROM POSTGRES HOST '"
            + server.conninfo("bench")
            + "' PUBLICATION 'p';\n"
            + "CREATE VIEWS FROM SOURCE s;\n";
    String url = server.jdbcUrl(results);
    Compilation compiled = Scripts.compile(script, url);
    long start = System.nanoTime();
    RunOptions options =
        new RunOptions(
            url, Optional.empty(), Duration.ofSeconds(2), parallelism, Optional.empty(), "bench");
    try (RunningPipeline pipeline = PipelineRunner.start(compiled.flinkPlan(), options);
        Connection c = server.connect(results)) {
      while (true) {
        try (Statement s = c.createStatement();
            ResultSet r = s.executeQuery("SELECT count(*) FROM t")) {
          r.next();
          if (r.getLong(1) >= rows) {
            return (System.nanoTime() - start) / 1e9;
          }
        }
        Thread.sleep(100);
      }
    }
  }

  private static void report(String what, long rows, List<Double> seconds) {
    System.out.printf(
        "%-34s median %.2f s (min %.2f, max %.2f) = %,.0f rows/s%n",
        what,
        median(seconds),
        Collections.min(seconds),
        Collections.max(seconds),
        rows / median(seconds));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
