package dev.mzflink.bench;

import dev.mzflink.compile.Compilation;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Scripts;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.shaded.guava31.com.google.common.hash.Hashing;

/**
 * The state the one-slot runtime keeps per upstream row: for each kind of table, replicate N rows,
 * take a canonical savepoint (Flink's own serialization of every key and value) and a native one
 * (RocksDB's SST files as they are on disk), and divide the normalizer's state by N.
 *
 * <p>Run: {@code mvn -Pbench -pl job verify -DskipTests
 * -Dbench.main=dev.mzflink.bench.StateSizeBench -Dbench.rows=1000000}.
 */
public final class StateSizeBench {
  /** Table definitions: name, DDL, INSERT of N rows ({@code %d}). */
  private static final Map<String, String[]> TABLES = new LinkedHashMap<>();

  static {
    TABLES.put(
        "narrow keyed (id bigint primary key, v bigint)",
        new String[] {
          "CREATE TABLE t (id bigint PRIMARY KEY, v bigint NOT NULL)",
          "INSERT INTO t SELECT g, g * 7 FROM generate_series(1, %d) g"
        });
    TABLES.put(
        "narrow key-less (k bigint, v bigint), 4 copies of each row",
        new String[] {
          "CREATE TABLE t (k bigint, v bigint)",
          "INSERT INTO t SELECT g / 4, g / 4 * 7 FROM generate_series(1, %d) g"
        });
    TABLES.put(
        "wide keyed (15 columns, about 600 bytes of text)",
        new String[] {
          "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c bigint, d numeric(12,2), e timestamptz, f date, g boolean,"
              + " h text, i text, j text, k text, l varchar(40), m double precision, n text)",
          "INSERT INTO t SELECT g, g, -g, g * 1000, g / 100.0, now(), current_date, g %% 2 = 0, md5(g::text) || md5((g+1)::text),"
              + " repeat(md5(g::text), 4), repeat(md5((g*3)::text), 4), repeat(md5((g*5)::text), 4), 'label ' || g, g / 3.0,"
              + " repeat('x', 100) FROM generate_series(1, %d) g"
        });
  }

  public static void main(String[] args) throws Exception {
    long rows = Long.getLong("bench.rows", 1_000_000);
    Path work = Files.createTempDirectory("mzflink-state-bench-");
    System.out.printf("rows per table: %,d%n", rows);
    System.out.printf(
        "%-58s %14s %15s %14s %14s%n",
        "table", "row in PG (B)", "canonical B/row", "RocksDB B/row", "snapshot rows/s");
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      int n = 0;
      for (Map.Entry<String, String[]> table : TABLES.entrySet()) {
        n++;
        String database = "bench" + n;
        server.createDatabase(database);
        server.createDatabase(database + "_results");
        long pgBytes;
        try (Connection c = server.connect(database);
            Statement s = c.createStatement()) {
          s.execute(table.getValue()[0]);
          s.execute("ALTER TABLE t REPLICA IDENTITY FULL");
          s.execute(String.format(table.getValue()[1], rows));
          s.execute("VACUUM ANALYZE t");
          s.execute("CREATE PUBLICATION p FOR TABLE t");
          try (ResultSet r = s.executeQuery("SELECT pg_relation_size('t')")) {
            r.next();
            pgBytes = r.getLong(1);
          }
        }
        String script =
            "CREATE MATERIALIZED SOURCE s FROM POSTGRES HOST '"
                + server.conninfo(database)
                + "' PUBLICATION 'p';\n"
                + "CREATE VIEWS FROM SOURCE s;\n";
        String url = server.jdbcUrl(database + "_results");
        Compilation compiled = Scripts.compile(script, url);
        String normalizerUid = "mzflink-normalize-" + compiled.flinkPlan().streams().get(0).slot();
        RunOptions options =
            new RunOptions(
                url, Optional.empty(), Duration.ofSeconds(2), 1, Optional.empty(), "state bench");
        long start = System.nanoTime();
        try (RunningPipeline pipeline = PipelineRunner.start(compiled.flinkPlan(), options);
            Connection results = server.connect(database + "_results")) {
          awaitRows(results, rows);
          double seconds = (System.nanoTime() - start) / 1e9;
          String dir = work.resolve("savepoints-" + n).toUri().toString();
          long canonical =
              operatorStateSize(
                  pipeline.triggerSavepoint(dir, SavepointFormatType.CANONICAL), normalizerUid);
          long nativeSize =
              operatorStateSize(
                  pipeline.triggerSavepoint(dir, SavepointFormatType.NATIVE), normalizerUid);
          System.out.printf(
              "%-58s %14.1f %15.1f %14.1f %,14.0f%n",
              table.getKey(),
              (double) pgBytes / rows,
              (double) canonical / rows,
              (double) nativeSize / rows,
              rows / seconds);
        }
      }
    } finally {
      dev.mzflink.runtime.RunningPipeline.deleteRecursively(work);
    }
    System.exit(0);
  }

  private static void awaitRows(Connection results, long rows) throws Exception {
    while (true) {
      try (Statement s = results.createStatement();
          ResultSet r = s.executeQuery("SELECT count(*) FROM t")) {
        r.next();
        if (r.getLong(1) >= rows) {
          return;
        }
      }
      Thread.sleep(500);
    }
  }

  /** The state size of the operator with {@code uid} in the savepoint at {@code path}. */
  private static long operatorStateSize(String path, String uid) throws Exception {
    OperatorID id =
        new OperatorID(
            Hashing.murmur3_128(0)
                .newHasher()
                .putString(uid, StandardCharsets.UTF_8)
                .hash()
                .asBytes());
    Path metadata = Path.of(URI.create(path)).resolve("_metadata");
    try (InputStream in = Files.newInputStream(metadata)) {
      CheckpointMetadata m =
          Checkpoints.loadCheckpointMetadata(
              new DataInputStream(in), StateSizeBench.class.getClassLoader(), path);
      for (OperatorState state : m.getOperatorStates()) {
        if (state.getOperatorID().equals(id)) {
          return state.getStateSize();
        }
      }
    }
    throw new IllegalStateException("no state for operator " + uid + " in " + path);
  }
}
