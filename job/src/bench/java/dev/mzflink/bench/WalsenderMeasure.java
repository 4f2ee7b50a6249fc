package dev.mzflink.bench;

import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
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
        statements.add("INSERT INTO " + name + " SELECT g, g FROM generate_series(1, " + rowsPerTable + ") g");
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
          String.join(" + ", names.stream().map(n -> "(SELECT count(*) FROM " + n + " WHERE id = %d)").toList());
      String total = String.join(" + ", names.stream().map(n -> "(SELECT count(*) FROM " + n + ")").toList());
      for (RunOptions.SourceReading reading : RunOptions.SourceReading.values()) {
        String label = reading == RunOptions.SourceReading.ONE_SLOT_PER_SOURCE ? "run (one slot)" : "per-table SQL";
        String series = "20 tables, " + label;
        String results = bench.newDatabase("twenty_results");
        try (RunningPipeline pipeline =
                bench.start(bench.sourceScript("twenty", db, true), results, 1, Duration.ofSeconds(1), Optional.empty(), reading);
            Connection c = bench.connect(results);
            Connection upstream = bench.connect(db)) {
          Bench.await(
              "the snapshot of 20 tables", Duration.ofMinutes(10), 500,
              () -> {
                try {
                  return Bench.longValue(c, "SELECT " + total) >= TABLES * rowsPerTable;
                } catch (java.sql.SQLException e) {
                  return false;
                }
              });
          int walsenders = bench.cpu.walsenders().size();
          long slots = Bench.longValue(upstream, "SELECT count(*) FROM pg_replication_slots WHERE active");
          System.out.printf("  %s: %d walsenders, %d active replication slots%n", series, walsenders, slots);
          String key = reading == RunOptions.SourceReading.ONE_SLOT_PER_SOURCE ? "walsenders_20_tables" : "walsenders_20_tables_per_table_sql";
          bench.results.figure(key, walsenders);
          for (int run = 1; run <= bench.runs; run++) {
            Bench.Clock clock = bench.clock();
            Bench.execute(upstream, "CALL load(" + perTable + ")");
            long id = -run;
            List<String> markers = new ArrayList<>();
            for (String n : names) {
              markers.add("INSERT INTO " + n + " VALUES (" + id + ", 0)");
            }
            upstream.setAutoCommit(false);
            Bench.execute(upstream, markers.toArray(String[]::new));
            upstream.commit();
            upstream.setAutoCommit(true);
            String check = "SELECT " + union.replace("%d", Long.toString(id));
            Bench.await("the markers of run " + run, Duration.ofMinutes(30), 100, () -> Bench.longValue(c, check) == TABLES);
            clock.stop(series, run, perTable * TABLES);
          }
          Results.Stats stats = bench.results.stats(series);
          String suffix = reading == RunOptions.SourceReading.ONE_SLOT_PER_SOURCE ? "run" : "per_table_sql";
          bench.results.figure("walsender_cpu_s_per_100k_changes_" + suffix, stats.walsenderCpu() / stats.items() * 100_000);
          bench.results.figure("pg_cpu_s_per_100k_changes_" + suffix, stats.pgCpu() / stats.items() * 100_000);
        } finally {
          bench.dropDatabase(results);
        }
      }
    } finally {
      bench.dropInactiveSlots();
      bench.dropDatabase(db);
    }
  }
}
