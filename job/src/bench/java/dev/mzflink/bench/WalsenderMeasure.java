package dev.mzflink.bench;

import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.translate.SourceReading;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Measure 5: upstream cost of a 20-table source. The walsender processes while the pipeline
 * streams, and their CPU seconds (and the whole server's) for a load of N updates spread over the
 * 20 tables in 100-row transactions — for {@code run} (one slot per source) and for the translated
 * per-table Flink SQL (one postgres-cdc table, slot and walsender per table).
 */
final class WalsenderMeasure {
  private static final int TABLES = 20;

  private WalsenderMeasure() {}

  static void run(Bench bench) throws Exception {
    long changes = bench.number("walsender.changes");
    long rowsPerTable = Math.max(1000, changes / TABLES);
    String db = bench.newDatabase("twenty");
    try {
      List<String> statements = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int t = 1; t <= TABLES; t++) {
        String name = String.format("w%02d", t);
        names.add(name);
        statements.add("CREATE TABLE " + name + " (id bigint PRIMARY KEY, v bigint NOT NULL)");
        statements.add(
            "INSERT INTO " + name + " SELECT g, g FROM generate_series(1, " + rowsPerTable + ") g");
      }
      statements.add("CREATE PUBLICATION p FOR TABLE " + String.join(", ", names));
      statements.add(
          """
          CREATE PROCEDURE load(per_table bigint) LANGUAGE plpgsql AS $$
          DECLARE i bigint; t int;
          BEGIN
            FOR i IN 0 .. per_table / 100 - 1 LOOP
              FOR t IN 1 .. %d LOOP
                EXECUTE format('UPDATE w%%s SET v = v + 1 WHERE id > %%s AND id <= %%s', lpad(t::text, 2, '0'), i * 100, (i + 1) * 100);
                COMMIT;
              END LOOP;
            END LOOP;
          END $$"""
              .formatted(TABLES));
      bench.execute(db, statements.toArray(String[]::new));
      long perTable = Math.max(100, changes / TABLES / 100 * 100);
      String union =
          String.join(
              " + ",
              names.stream().map(n -> "(SELECT count(*) FROM " + n + " WHERE id = %d)").toList());
      String total =
          String.join(" + ", names.stream().map(n -> "(SELECT count(*) FROM " + n + ")").toList());
      for (boolean oneSlot : new boolean[] {true, false}) {
        String label = oneSlot ? "run (one slot)" : "per-table Flink SQL";
        String series = "20 tables, " + label;
        String results = bench.newDatabase("twenty_results");
        RunningPipeline pipeline = null;
        ViewsMeasure.PlainJob plain = null;
        java.nio.file.Path checkpoints = java.nio.file.Files.createTempDirectory("bench-twenty-");
        try (Connection c = bench.connect(results);
            Connection upstream = bench.connect(db)) {
          if (oneSlot) {
            pipeline =
                bench.start(
                    bench.sourceScript("twenty", db, true),
                    results,
                    1,
                    Duration.ofSeconds(1),
                    Optional.empty(),
                    SourceReading.ONE_SLOT_PER_SOURCE);
          } else {
            // The translated per-table SQL (one postgres-cdc table and slot per table), written out
            // with Flink's JDBC sink: mzflink's own per-table path deadlocks at 20 tables in one
            // JVM
            // (Flink CDC's shared JDBC pool, connection.pool.size 20), so the pool is raised here.
            List<String> ddl = new ArrayList<>();
            List<String> inserts = new ArrayList<>();
            for (String n : names) {
              Bench.execute(c, "CREATE TABLE " + n + " (id bigint PRIMARY KEY, v bigint NOT NULL)");
              ddl.add(
                  "CREATE TABLE "
                      + n
                      + " (id BIGINT, v BIGINT, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                      + ViewsMeasure.PlainJob.cdcOptions(bench, db)
                      + ", 'table-name' = '"
                      + n
                      + "', 'slot.name' = 'materialize_twenty_"
                      + n
                      + "', 'scan.incremental.snapshot.backfill.skip' = 'true', 'connection.pool.size' = '60')");
              ddl.add(
                  "CREATE TABLE "
                      + n
                      + "_results (id BIGINT, v BIGINT, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                      + ViewsMeasure.PlainJob.jdbcOptions(bench, results, n)
                      + ")");
              inserts.add("INSERT INTO " + n + "_results SELECT id, v FROM " + n);
            }
            plain =
                ViewsMeasure.PlainJob.start(
                    bench, results, 1, Optional.empty(), checkpoints, ddl, inserts);
          }
          Bench.await(
              "the snapshot of 20 tables",
              Duration.ofMinutes(3),
              500,
              () -> {
                try {
                  return Bench.longValue(c, "SELECT " + total) >= TABLES * rowsPerTable;
                } catch (java.sql.SQLException e) {
                  return false;
                }
              });
          // Counted after each run's markers arrived: every table streams then (right after the
          // snapshot some per-table sources are still handing over and have no walsender yet).
          int walsenders = 0;
          for (int run = 1; run <= bench.runs; run++) {
            Bench.Clock clock = bench.clock();
            Bench.execute(upstream, "CALL load(" + perTable + ")");
            long id = -(run + (oneSlot ? 0 : 1000));
            List<String> markers = new ArrayList<>();
            for (String n : names) {
              markers.add("INSERT INTO " + n + " VALUES (" + id + ", 0)");
            }
            upstream.setAutoCommit(false);
            Bench.execute(upstream, markers.toArray(String[]::new));
            upstream.commit();
            upstream.setAutoCommit(true);
            String check = "SELECT " + union.replace("%d", Long.toString(id));
            Bench.await(
                "the markers of run " + run,
                Duration.ofMinutes(30),
                100,
                () -> Bench.longValue(c, check) == TABLES);
            clock.stop(series, run, perTable * TABLES);
            walsenders = Math.max(walsenders, bench.cpu.walsenders().size());
          }
          long slots =
              Bench.longValue(upstream, "SELECT count(*) FROM pg_replication_slots WHERE active");
          System.out.printf(
              "  %s: %d walsenders, %d active replication slots%n", series, walsenders, slots);
          bench.results.figure(
              oneSlot ? "walsenders_20_tables" : "walsenders_20_tables_per_table_sql", walsenders);
          Results.Stats stats = bench.results.stats(series);
          String suffix = oneSlot ? "run" : "per_table_sql";
          bench.results.figure(
              "walsender_cpu_s_per_100k_changes_" + suffix,
              stats.walsenderCpu() / stats.items() * 100_000);
          bench.results.figure(
              "pg_cpu_s_per_100k_changes_" + suffix, stats.pgCpu() / stats.items() * 100_000);
        } finally {
          if (pipeline != null) {
            pipeline.stop();
          }
          if (plain != null) {
            plain.cancel();
          }
          bench.dropInactiveSlots();
          bench.dropDatabase(results);
          RunningPipeline.deleteRecursively(checkpoints);
        }
      }
    } finally {
      bench.dropInactiveSlots();
      bench.dropDatabase(db);
    }
  }
}
