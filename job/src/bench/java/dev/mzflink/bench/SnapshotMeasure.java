package dev.mzflink.bench;

import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.translate.SourceReading;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGConnection;

/**
 * Measure 1: snapshot. The time until the results table holds every row of a table, against {@code
 * \copy (SELECT * FROM t) TO '/dev/null'} of the same table (psql), for narrow and wide rows, with
 * parallelism 1 and 2. R_snap = copy time / mzflink time.
 */
final class SnapshotMeasure {
  static final String NARROW_DDL = "CREATE TABLE t (id bigint PRIMARY KEY, v bigint NOT NULL)";
  static final String NARROW_ROWS = "INSERT INTO t SELECT g, g * 7 FROM generate_series(1, %d) g";

  /** 15 columns, about 600 bytes a row (as StateSizeBench). */
  static final String WIDE_DDL =
      "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c bigint, d numeric(12,2), e timestamptz, f date, g boolean,"
          + " h text, i text, j text, k text, l varchar(40), m double precision, n text)";

  static final String WIDE_ROWS =
      "INSERT INTO t SELECT g, g, -g, g * 1000, g / 100.0, now(), current_date, g %% 2 = 0, md5(g::text) || md5((g+1)::text),"
          + " repeat(md5(g::text), 4), repeat(md5((g*3)::text), 4), repeat(md5((g*5)::text), 4), 'label ' || g, g / 3.0,"
          + " repeat('x', 100) FROM generate_series(1, %d) g";

  private SnapshotMeasure() {}

  static void run(Bench bench) throws Exception {
    long rows = bench.number("snapshot.rows");
    List<Long> parallelisms = bench.numbers("snapshot.parallelism");
    double worst = Double.MAX_VALUE;
    for (String shape : List.of("narrow", "wide")) {
      String db = bench.newDatabase("snap_" + shape);
      try {
        bench.execute(
            db,
            shape.equals("narrow") ? NARROW_DDL : WIDE_DDL,
            String.format(shape.equals("narrow") ? NARROW_ROWS : WIDE_ROWS, rows),
            "VACUUM ANALYZE t",
            "CREATE PUBLICATION p FOR TABLE t");
        long bytes;
        try (Connection c = bench.connect(db)) {
          bytes = Bench.longValue(c, "SELECT pg_relation_size('t')");
        }
        System.out.printf(
            "snapshot %s: %,d rows, %.0f bytes per row on disk%n",
            shape, rows, (double) bytes / rows);
        String copySeries = "snapshot " + shape + " copy to /dev/null";
        for (int p : parallelisms.stream().mapToInt(Long::intValue).toArray()) {
          String series = "snapshot " + shape + " mzflink p" + p;
          for (int run = 1; run <= bench.runs; run++) {
            if (p == parallelisms.get(0)) {
              copy(bench, db, copySeries, run, rows);
            }
            pipeline(bench, db, series, run, rows, p);
          }
          double ratio =
              bench.results.stats(copySeries).median() / bench.results.stats(series).median();
          String name = "R_snap_" + shape + "_p" + p;
          bench.results.figure(name, ratio);
          bench.results.goal(name, 0.5);
          bench.results.cpuRatio("R_snap_cpu_" + shape + "_p" + p, copySeries, series);
          bench.results.figure(
              "snapshot_rows_per_s_" + shape + "_p" + p, bench.results.stats(series).rate());
          worst = Math.min(worst, ratio);
        }
        bench.results.figure("copy_rows_per_s_" + shape, bench.results.stats(copySeries).rate());
      } finally {
        bench.dropDatabase(db);
      }
    }
    bench.results.figure("R_snap", worst);
    bench.results.goal("R_snap", 0.5);
  }

  /**
   * psql's {@code \copy} of the table into /dev/null (or pgjdbc's COPY API when psql is absent).
   */
  private static void copy(Bench bench, String db, String series, int run, long rows)
      throws Exception {
    Optional<Path> psql = Bench.clientProgram("psql");
    Bench.Clock clock = bench.clock();
    if (psql.isPresent()) {
      Path log = Files.createTempFile("bench-psql", ".log");
      try {
        Bench.runProgram(
            List.of(
                psql.get().toString(),
                "-X",
                "-q",
                "-d",
                bench.server.conninfo(db),
                "-c",
                "\\copy (SELECT * FROM t) TO '/dev/null'"),
            log);
      } finally {
        Files.deleteIfExists(log);
      }
    } else {
      try (Connection c = bench.connect(db)) {
        c.unwrap(PGConnection.class)
            .getCopyAPI()
            .copyOut("COPY (SELECT * FROM t) TO STDOUT", OutputStream.nullOutputStream());
      }
    }
    clock.stop(series, run, rows);
  }

  private static void pipeline(
      Bench bench, String db, String series, int run, long rows, int parallelism) throws Exception {
    String results = bench.newDatabase("snap_results");
    try {
      Bench.Clock clock = bench.clock();
      try (RunningPipeline pipeline =
              bench.start(
                  bench.sourceScript("s", db, true),
                  results,
                  parallelism,
                  Duration.ofSeconds(2),
                  Optional.empty(),
                  SourceReading.ONE_SLOT_PER_SOURCE);
          Connection c = bench.connect(results)) {
        awaitRows(c, rows);
        clock.stop(series, run, rows);
      }
    } finally {
      bench.dropDatabase(results);
    }
  }

  /**
   * Waits until the results table {@code t} holds {@code rows} rows; checks the first and last id
   * (index lookups) before counting, so the count's own cost stays out of the way.
   */
  static void awaitRows(Connection c, long rows) throws Exception {
    Bench.await(
        rows + " rows in the results table",
        Duration.ofHours(2),
        200,
        () -> {
          try {
            if (Bench.longValue(c, "SELECT count(*) FROM t WHERE id IN (1, " + rows + ")") < 2) {
              return false;
            }
          } catch (java.sql.SQLException e) {
            return false; // the results table appears with the pipeline
          }
          return Bench.longValue(c, "SELECT count(*) FROM t") >= rows;
        });
  }
}
