package dev.mzflink.bench;

import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.status.SourceStatuses;
import dev.mzflink.translate.SourceReading;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * Measure 1: snapshot. The time until the results table holds every row of a table, for narrow rows
 * ({@code snapshot.rows}, default 1M and 10M) and wide ~600-byte rows ({@code snapshot.wide.rows},
 * default 1M), with each parallelism of {@code snapshot.parallelism} (default 1 and 2), against two
 * limits of PostgreSQL measured on the same server in the same run, interleaved with mzflink's
 * runs:
 *
 * <ul>
 *   <li>the copy pipe: psql {@code \copy (SELECT * FROM t) TO STDOUT} piped (an operating system
 *       pipe, as a shell's {@code |}) into psql {@code \copy t FROM STDIN} of an identical table
 *       with its primary key, in a fresh database of the same server, as each mzflink run writes
 *       into a fresh results database (pgjdbc's COPY API when psql is absent: {@code COPY ... TO
 *       STDOUT} of one connection read as the input of {@code COPY ... FROM STDIN} of another).
 *       {@code R_snap_pipe} = pipe time / mzflink time, the worst of every shape, size and
 *       parallelism; goal ≥ 0.5;
 *   <li>psql {@code \copy (SELECT * FROM t) TO '/dev/null'} (reading alone): {@code R_snap}.
 * </ul>
 *
 * <p>Each mzflink run is split at its start-up: from the start of the run (compiling the script
 * against the server, preparing the results tables, submitting the job) to the snapshot's first
 * COPY upstream ({@code snapshot_startup_s_…}; the results show the snapshot only once it is
 * whole), and the rest. The ratios are given on the whole run ({@code R_snap_pipe}, {@code R_snap})
 * and on the part after start-up ({@code R_snap_pipe_excl_startup}, {@code R_snap_excl_startup});
 * the limits are not split (a psql starts in milliseconds). The part after start-up is split again
 * where the status table says the snapshot is read ({@code snapshot_read_s_…}, series "… read");
 * the rest ({@code snapshot_to_results_s_…}, series "… to results") waits for the source's
 * position, the checkpoint after it and the commit of the whole snapshot.
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

  /** A table shape and a size. */
  private record Table(String shape, long rows) {
    String ddl() {
      return shape.equals("narrow") ? NARROW_DDL : WIDE_DDL;
    }

    String fill() {
      return String.format(shape.equals("narrow") ? NARROW_ROWS : WIDE_ROWS, rows);
    }

    /** E.g. {@code narrow_1M}, in figure names. */
    String label() {
      return shape + "_" + Bench.sizeLabel(rows);
    }

    /** E.g. {@code snapshot narrow 1M}, in series names. */
    String series() {
      return "snapshot " + shape + " " + Bench.sizeLabel(rows);
    }
  }

  /** The worst figures over every shape, size and parallelism. */
  private static final class Worst {
    double snap = Double.MAX_VALUE;
    double snapExcl = Double.MAX_VALUE;
    double pipe = Double.MAX_VALUE;
    double pipeExcl = Double.MAX_VALUE;
    double startup = 0;
  }

  static void run(Bench bench) throws Exception {
    List<Long> parallelisms = bench.numbers("snapshot.parallelism");
    List<Table> tables = new ArrayList<>();
    for (long rows : bench.numbers("snapshot.rows")) {
      tables.add(new Table("narrow", rows));
    }
    for (long rows : bench.numbers("snapshot.wide.rows")) {
      tables.add(new Table("wide", rows));
    }
    Worst worst = new Worst();
    for (Table table : tables) {
      run(bench, table, parallelisms, worst);
    }
    if (tables.isEmpty()) {
      return;
    }
    bench.results.figure("R_snap_pipe", worst.pipe);
    bench.results.goal("R_snap_pipe", 0.5);
    bench.results.figure("R_snap_pipe_excl_startup", worst.pipeExcl);
    bench.results.figure("R_snap", worst.snap);
    bench.results.goal("R_snap", 0.5);
    bench.results.figure("R_snap_excl_startup", worst.snapExcl);
    bench.results.figure("snapshot_startup_s", worst.startup);
  }

  private static void run(Bench bench, Table table, List<Long> parallelisms, Worst worst)
      throws Exception {
    long rows = table.rows();
    String db = bench.newDatabase("snap_" + table.shape());
    try {
      bench.execute(
          db, table.ddl(), table.fill(), "VACUUM ANALYZE t", "CREATE PUBLICATION p FOR TABLE t");
      long bytes;
      try (Connection c = bench.connect(db)) {
        bytes = Bench.longValue(c, "SELECT pg_relation_size('t')");
      }
      System.out.printf(
          "snapshot %s: %,d rows, %.0f bytes per row on disk%n",
          table.shape(), rows, (double) bytes / rows);
      String copySeries = table.series() + " copy to /dev/null";
      String pipeSeries = table.series() + " copy pipe";
      for (int p : parallelisms.stream().mapToInt(Long::intValue).toArray()) {
        String series = table.series() + " mzflink p" + p;
        String startupSeries = series + " start-up";
        String restSeries = series + " after start-up";
        for (int run = 1; run <= bench.runs; run++) {
          if (p == parallelisms.get(0)) {
            copy(bench, db, copySeries, run, rows);
            pipe(bench, db, table, pipeSeries, run);
          }
          pipeline(bench, db, series, startupSeries, restSeries, run, rows, p);
        }
        String suffix = table.label() + "_p" + p;
        double total = bench.results.stats(series).median();
        double rest = bench.results.stats(restSeries).median();
        double pipe = bench.results.stats(pipeSeries).median();
        double copy = bench.results.stats(copySeries).median();
        double startup = bench.results.stats(startupSeries).median();
        bench.results.figure("R_snap_pipe_" + suffix, pipe / total);
        bench.results.goal("R_snap_pipe_" + suffix, 0.5);
        bench.results.figure("R_snap_pipe_excl_startup_" + suffix, pipe / rest);
        bench.results.figure("R_snap_" + suffix, copy / total);
        bench.results.goal("R_snap_" + suffix, 0.5);
        bench.results.figure("R_snap_excl_startup_" + suffix, copy / rest);
        bench.results.cpuRatio("R_snap_pipe_cpu_" + suffix, pipeSeries, series);
        bench.results.cpuRatio("R_snap_cpu_" + suffix, copySeries, series);
        bench.results.figure("snapshot_startup_s_" + suffix, startup);
        bench.results.figure("snapshot_rows_per_s_" + suffix, bench.results.stats(series).rate());
        bench.results.figure(
            "snapshot_rows_per_s_excl_startup_" + suffix, bench.results.stats(restSeries).rate());
        bench.results.figure(
            "snapshot_read_s_" + suffix, bench.results.stats(series + " read").median());
        bench.results.figure(
            "snapshot_read_rows_per_s_" + suffix, bench.results.stats(series + " read").rate());
        bench.results.figure(
            "snapshot_to_results_s_" + suffix,
            bench.results.stats(series + " to results").median());
        worst.pipe = Math.min(worst.pipe, pipe / total);
        worst.pipeExcl = Math.min(worst.pipeExcl, pipe / rest);
        worst.snap = Math.min(worst.snap, copy / total);
        worst.snapExcl = Math.min(worst.snapExcl, copy / rest);
        worst.startup = Math.max(worst.startup, startup);
      }
      bench.results.figure(
          "pipe_rows_per_s_" + table.label(), bench.results.stats(pipeSeries).rate());
      bench.results.figure(
          "copy_rows_per_s_" + table.label(), bench.results.stats(copySeries).rate());
    } finally {
      bench.dropDatabase(db);
    }
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

  /**
   * PostgreSQL's copy pipe: psql {@code \copy (SELECT * FROM t) TO STDOUT} piped into psql {@code
   * \copy t FROM STDIN} of an identical table (primary key included) in a fresh database, created
   * before the clock starts, as mzflink's results database is (or pgjdbc's COPY API when psql is
   * absent). Checks the row count afterwards.
   */
  private static void pipe(Bench bench, String db, Table table, String series, int run)
      throws Exception {
    String target = bench.newDatabase("snap_pipe");
    try {
      bench.execute(target, table.ddl());
      Optional<Path> psql = Bench.clientProgram("psql");
      Bench.Clock clock = bench.clock();
      if (psql.isPresent()) {
        Path log = Files.createTempFile("bench-psql-pipe", ".log");
        try {
          Bench.runPipe(
              psql(psql.get(), bench.server.conninfo(db), "\\copy (SELECT * FROM t) TO STDOUT"),
              psql(psql.get(), bench.server.conninfo(target), "\\copy t FROM STDIN"),
              log);
        } finally {
          Files.deleteIfExists(log);
        }
      } else {
        try (Connection from = bench.connect(db);
            Connection to = bench.connect(target);
            PGCopyInputStream in =
                new PGCopyInputStream(
                    from.unwrap(PGConnection.class), "COPY (SELECT * FROM t) TO STDOUT")) {
          to.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY t FROM STDIN", in);
        }
      }
      clock.stop(series, run, table.rows());
      try (Connection c = bench.connect(target)) {
        long copied = Bench.longValue(c, "SELECT count(*) FROM t");
        if (copied != table.rows()) {
          throw new IllegalStateException(
              "the copy pipe copied " + copied + " rows instead of " + table.rows());
        }
      }
    } finally {
      bench.dropDatabase(target);
    }
  }

  private static List<String> psql(Path psql, String conninfo, String command) {
    return List.of(
        psql.toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", command);
  }

  private static void pipeline(
      Bench bench,
      String db,
      String series,
      String startupSeries,
      String restSeries,
      int run,
      long rows,
      int parallelism)
      throws Exception {
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
        Bench.Clock rest =
            bench.awaitStartup(
                clock,
                pipeline,
                () -> {
                  // The snapshot is committed whole at its end, so its start is where upstream
                  // sees its first COPY (or, for a table read in a blink, its rows are there).
                  try {
                    if (Bench.booleanValue(
                        c,
                        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '"
                            + db
                            + "' AND query LIKE 'COPY%' AND state = 'active')")) {
                      return true;
                    }
                    return Bench.booleanValue(c, "SELECT EXISTS (SELECT 1 FROM t)");
                  } catch (java.sql.SQLException e) {
                    return false; // the results table appears with the pipeline
                  }
                },
                startupSeries,
                run);
        awaitSnapshotRead(c);
        Bench.Clock tail = rest.split(series + " read", run, rows);
        awaitRows(c, rows);
        Bench.Reading end = bench.now();
        clock.stop(series, run, rows, end);
        rest.stop(restSeries, run, rows, end);
        tail.stop(series + " to results", run, rows, end);
      }
    } finally {
      bench.dropDatabase(results);
    }
  }

  /**
   * Waits until the source's status table says the table's snapshot is read: its last row reached
   * the normalizer (the status is written about once a second). What follows until the rows are in
   * the results table is the wait for the source's position, the checkpoint after it and the commit
   * of the whole snapshot.
   */
  private static void awaitSnapshotRead(Connection c) throws Exception {
    Bench.await(
        "the snapshot read",
        Duration.ofHours(2),
        100,
        () -> {
          try {
            return Bench.booleanValue(
                c,
                "SELECT EXISTS (SELECT 1 FROM "
                    + SourceStatuses.TABLE
                    + " WHERE \"table\" <> '' AND status = 'running')");
          } catch (java.sql.SQLException e) {
            return false; // the status table appears with the pipeline
          }
        });
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
