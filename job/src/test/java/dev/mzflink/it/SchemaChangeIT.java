package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.PublicationFollower;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.status.SourceStatuses;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Loop;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Scripts;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.SourceReading;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Columns that change upstream while a pipeline is stopped: resumed from its savepoint, the
 * pipeline alters the changed tables' results tables, reads only those tables again, and keeps the
 * state of every other table and of the views that do not read the changed columns.
 */
class SchemaChangeIT {
  @RegisterExtension
  static final PostgresServerExtension POSTGRES =
      new PostgresServerExtension(Map.of("max_replication_slots", "10", "max_wal_senders", "10"));

  @TempDir static Path savepoints;

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  static List<String> tables(String... names) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      out.add("\"public\".\"" + name + "\"");
    }
    return out;
  }

  static EmbeddedPostgresServer databases(String name) throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase(name);
    server.createDatabase(name + "_results");
    return server;
  }

  @Test
  void resumedPipelinesFollowAddedDroppedAndWidenedColumns() throws Exception {
    EmbeddedPostgresServer server = databases("shapes");
    String totals = "SELECT g, sum(v) AS s, count(*) AS c FROM big GROUP BY g";
    String bagged = "SELECT g, count(*) AS c FROM bag GROUP BY g";
    try (Connection app = server.connect("shapes");
        Connection results = server.connect("shapes_results")) {
      Sql.execute(
          app,
          "CREATE TABLE big (id int PRIMARY KEY, g int, v int)",
          "CREATE TABLE bag (g int, v int)",
          "ALTER TABLE bag REPLICA IDENTITY FULL",
          "CREATE TABLE other (id int PRIMARY KEY, w int)",
          "INSERT INTO big SELECT i, i % 13, i FROM generate_series(1, 100000) i",
          "INSERT INTO bag SELECT i % 5, i % 3 FROM generate_series(1, 1000) i",
          "INSERT INTO other SELECT i, i FROM generate_series(1, 500) i",
          "CREATE PUBLICATION shapes FOR TABLE big, bag, other",
          "CREATE VIEW totals AS " + totals,
          "CREATE VIEW bagged AS " + bagged);
      String script =
          Pipelines.replicate(server.conninfo("shapes"), "shapes")
              + "CREATE MATERIALIZED VIEW totals AS "
              + totals
              + ";\nCREATE MATERIALIZED VIEW bagged AS "
              + bagged
              + ";\n";
      String resultsUrl = server.jdbcUrl("shapes_results");
      List<String> all = tables("big", "bag", "other", "totals", "bagged");
      String savepoint;
      try (RunningPipeline pipeline = Pipelines.start(script, resultsUrl, 2)) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      // A column with a default on the 100,000-row table (no row rewritten upstream), one on the
      // key-less table, and changes after them.
      Sql.execute(
          app,
          "ALTER TABLE big ADD COLUMN extra int NOT NULL DEFAULT 7",
          "ALTER TABLE bag ADD COLUMN note text DEFAULT 'n'",
          "UPDATE big SET v = v + 1, extra = 8 WHERE id % 1000 = 0",
          "INSERT INTO bag VALUES (9, 9, 'new')",
          "DELETE FROM bag WHERE g = 1 AND v = 1",
          "UPDATE other SET w = -w WHERE id < 10");
      // The rows of the unchanged table as written before the resume (their row versions).
      Sql.execute(results, "CREATE TABLE other_before AS SELECT id, xmin::text AS x FROM other");
      try (RunningPipeline pipeline =
          Pipelines.start(script, resultsUrl, 2, Optional.of(savepoint))) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        // Not read again: only its 9 changed rows were written.
        assertThat(
                Sql.longValue(
                    results,
                    "SELECT count(*) FROM other JOIN other_before USING (id)"
                        + " WHERE other.xmin::text <> other_before.x"))
            .isEqualTo(9);
        Sql.execute(app, "UPDATE big SET extra = 9, v = 0 WHERE id < 100");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      assertThat(columns(results, "big")).containsExactly("id", "g", "v", "extra");
      // A dropped column and a widened one (keyed and key-less tables), none read by a view.
      Sql.execute(
          app,
          "ALTER TABLE big DROP COLUMN extra",
          "ALTER TABLE other ALTER COLUMN w TYPE bigint",
          "ALTER TABLE bag ALTER COLUMN v TYPE bigint",
          "UPDATE other SET w = w * 10000000000 WHERE id > 490",
          "INSERT INTO bag VALUES (9, 10000000000, 'big')",
          "DELETE FROM big WHERE id % 100 = 1");
      try (RunningPipeline pipeline =
          Pipelines.start(script, resultsUrl, 2, Optional.of(savepoint))) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(app, "UPDATE bag SET v = v + 1 WHERE g = 2", "UPDATE other SET w = 1");
        Tables.awaitEqual(app, results, all, CATCH_UP);
      }
      assertThat(columns(results, "big")).containsExactly("id", "g", "v");
      assertThat(
              Sql.strings(
                  results,
                  "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid ="
                      + " 'other'::regclass AND attname = 'w'"))
          .containsExactly("bigint");
    }
  }

  /**
   * A running pipeline follows its tables' columns: a column added (with a default, on a
   * 100,000-row table), a column dropped that one view reads and another does not, and a column
   * widened from integer to bigint. Each restarts the pipeline from a savepoint with the table read
   * again and its results table altered; the views that read a dropped or retyped column are left
   * out, said and errored, their results kept; every other table and view goes on and equals
   * upstream's answer.
   */
  @Test
  void aFollowedPipelineAltersItsTablesAndErrorsTheViewsThatReadAChangedColumn() throws Exception {
    EmbeddedPostgresServer server = databases("followed");
    String totals = "SELECT g, sum(v) AS s, count(*) AS c FROM big GROUP BY g";
    String wide = "SELECT g, max(d) AS d FROM big GROUP BY g";
    String typed = "SELECT count(*) AS c, sum(w) AS s FROM other";
    try (Connection app = server.connect("followed");
        Connection results = server.connect("followed_results")) {
      Sql.execute(
          app,
          "CREATE TABLE big (id int PRIMARY KEY, g int, v int, d int)",
          "CREATE TABLE other (id int PRIMARY KEY, w int)",
          "CREATE TABLE quiet (id int PRIMARY KEY, q text)",
          "CREATE TABLE beat (id int PRIMARY KEY, n int, at timestamptz)",
          "INSERT INTO beat SELECT i, 0, clock_timestamp() FROM generate_series(1, 10) i",
          "INSERT INTO big SELECT i, i % 13, i, i % 101 FROM generate_series(1, 100000) i",
          "INSERT INTO other SELECT i, i FROM generate_series(1, 500) i",
          "INSERT INTO quiet SELECT i, 'q' || i FROM generate_series(1, 300) i",
          "CREATE PUBLICATION followed FOR TABLE big, other, quiet, beat",
          "CREATE VIEW totals AS " + totals,
          "CREATE VIEW wide AS " + wide,
          "CREATE VIEW typed AS " + typed);
      String script =
          Pipelines.replicate(server.conninfo("followed"), "followed")
              + "CREATE MATERIALIZED VIEW totals AS "
              + totals
              + ";\nCREATE MATERIALIZED VIEW wide AS "
              + wide
              + ";\nCREATE MATERIALIZED VIEW typed AS "
              + typed
              + ";\n";
      String url = server.jdbcUrl("followed_results");
      Function<String, FlinkPlan> compile =
          text -> Scripts.compile(text, url, SourceReading.ONE_SLOT_PER_SOURCE).flinkPlan();
      FlinkPlan plan = compile.apply(script);
      RunOptions options =
          new RunOptions(
              url, Optional.empty(), Duration.ofMillis(500), 1, Optional.empty(), "test");
      List<String> said = new CopyOnWriteArrayList<>();
      List<String> kept = tables("big", "other", "quiet", "beat", "totals");
      try (RunningPipeline pipeline = PipelineRunner.start(plan, options);
          PublicationFollower follower =
              PublicationFollower.start(
                  pipeline, plan, options, script, compile, said::add, Duration.ofMillis(500))) {
        List<String> all = tables("big", "other", "quiet", "beat", "totals", "wide", "typed");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(results, "CREATE TABLE quiet_before AS SELECT id, xmin::text AS x FROM quiet");

        // A writer changes big (while it is read again) and beat every 20 ms; beat's results
        // show how far behind upstream the results fall meanwhile.
        AtomicLong worstLagMillis = new AtomicLong();
        Loop writer =
            Loop.start(
                "writer",
                server,
                "followed",
                (c, i) -> {
                  Sql.transaction(
                      c,
                      "UPDATE big SET v = v + 1 WHERE id = " + (i * 7919 % 100000 + 1),
                      "UPDATE beat SET n = n + 1, at = clock_timestamp() WHERE id = "
                          + (i % 10 + 1));
                  Thread.sleep(20);
                });
        // Measured from when the results show the writer's changes (before, beat's rows are as
        // old as the test).
        Await.until(
            "beat's results to follow the writer",
            CATCH_UP,
            () ->
                Sql.longValue(
                        results,
                        "SELECT (extract(epoch FROM clock_timestamp() - max(at)) * 1000)::bigint"
                            + " FROM beat")
                    < 3000);
        Loop watch =
            Loop.start(
                "beat's lag",
                server,
                "followed_results",
                (c, i) -> {
                  worstLagMillis.accumulateAndGet(
                      Sql.longValue(
                          c,
                          "SELECT (extract(epoch FROM clock_timestamp() - max(at)) * 1000)::bigint"
                              + " FROM beat"),
                      Math::max);
                  Thread.sleep(100);
                });
        Thread.sleep(3000);
        Sql.execute(app, "ALTER TABLE big ADD COLUMN extra int NOT NULL DEFAULT 7");
        awaitSaid(said, "Resumed from ", 1);
        // While big is read again its results wait whole: its rows all of the earlier read (the
        // added column null) or all of the new one, never a mix, and never a row more or less.
        List<String> partial = new CopyOnWriteArrayList<>();
        AtomicLong looks = new AtomicLong();
        Loop bigWatch =
            Loop.start(
                "big's states",
                server,
                "followed_results",
                (c, i) -> {
                  String seen =
                      String.join(
                          " ", Sql.strings(c, "SELECT count(*) || ' ' || count(extra) FROM big"));
                  looks.incrementAndGet();
                  if (!seen.equals("100000 0") && !seen.equals("100000 100000")) {
                    partial.add(seen);
                  }
                  Thread.sleep(50);
                });
        // Bursts of changes to big while its snapshot is read: the one reader (parallelism 1)
        // decodes and serializes its streamed and snapshot rows at once.
        for (int burst = 0; burst < 6; burst++) {
          Sql.execute(app, "UPDATE big SET v = v + 1 WHERE id % 100 = " + burst);
          Thread.sleep(500);
        }
        Await.until(
            "big read again",
            CATCH_UP,
            () -> Sql.longValue(results, "SELECT count(*) FROM big WHERE extra IS NULL") == 0);
        Thread.sleep(2000);
        writer.stop();
        watch.stop();
        bigWatch.stop();
        System.out.println(
            "worst lag of beat's results while big was read again: "
                + worstLagMillis.get()
                + " ms; big's results looked at "
                + looks.get()
                + " times");
        assertThat(partial).as("states of big's results during its re-read").isEmpty();
        assertThat(looks.get()).isGreaterThan(20);
        // beat's results wait for the restart only, not for big's re-read.
        assertThat(worstLagMillis.get())
            .as("beat's results behind upstream at worst (ms)")
            .isLessThan(15_000);
        Sql.execute(app, "UPDATE big SET extra = 8, v = v + 1 WHERE id % 1000 = 0");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(said)
            .anyMatch(
                m ->
                    m.startsWith(
                        "Tables changed upstream: \"public\".\"big\": column \"extra\" added."));
        assertThat(columns(results, "big")).containsExactly("id", "g", "v", "d", "extra");
        Await.until(
            "big running again in the status table",
            CATCH_UP,
            () ->
                Sql.strings(
                        results,
                        "SELECT status FROM "
                            + SourceStatuses.TABLE
                            + " WHERE \"table\" = '\"public\".\"big\"'")
                    .equals(List.of("running")));

        // A dropped column that wide reads and totals does not.
        List<String> wideBefore = Sql.strings(results, "SELECT wide::text FROM wide ORDER BY g");
        Sql.execute(app, "DROP VIEW wide", "ALTER TABLE big DROP COLUMN d");
        awaitSaid(said, "Resumed from ", 2);
        Sql.execute(app, "UPDATE big SET v = 0 WHERE id < 500", "DELETE FROM big WHERE id > 99000");
        Tables.awaitEqual(app, results, kept, CATCH_UP);
        assertThat(Sql.strings(results, "SELECT wide::text FROM wide ORDER BY g"))
            .as("a view left out keeps its rows")
            .isEqualTo(wideBefore);
        assertThat(said)
            .anyMatch(
                m ->
                    m.startsWith(
                            "NOTICE: materialized view \"public\".\"wide\" is no longer"
                                + " maintained: it no longer compiles")
                        && m.contains("\"d\""));
        assertThat(erroredView(results, "wide")).contains("no longer maintained");

        // A column widened: the copy is altered, and the view that sums it is left out.
        Sql.execute(app, "DROP VIEW typed", "ALTER TABLE other ALTER COLUMN w TYPE bigint");
        awaitSaid(said, "Resumed from ", 3);
        Sql.execute(
            app,
            "UPDATE other SET w = w * 10000000000 WHERE id > 490",
            "UPDATE big SET v = v + 5 WHERE id % 7 = 0");
        Tables.awaitEqual(app, results, kept, CATCH_UP);
        assertThat(said)
            .anyMatch(
                m ->
                    m.startsWith(
                            "NOTICE: materialized view \"public\".\"typed\" is no longer"
                                + " maintained: it reads a column that changed upstream")
                        && m.contains("column \"w\" changed type from INT to BIGINT"));
        assertThat(erroredView(results, "typed")).contains("no longer maintained");
        // The table nobody changed was never read again: not one of its rows was rewritten.
        assertThat(
                Sql.longValue(
                    results,
                    "SELECT count(*) FROM quiet JOIN quiet_before USING (id)"
                        + " WHERE quiet.xmin::text <> quiet_before.x"))
            .isZero();

        // A key column retyped: a saved state cannot go on with it, so the pipeline goes on as it
        // was, without a restart, and says how to read the table again.
        Sql.execute(app, "ALTER TABLE quiet ALTER COLUMN id TYPE bigint");
        awaitSaid(said, "NOTICE: the primary key of a table changed upstream", 1);
        assertThat(said)
            .anyMatch(
                m ->
                    m.contains("\"public\".\"quiet\": primary key (\"id\" INT")
                        && m.contains("from scratch"));
        Sql.execute(app, "UPDATE big SET v = v + 1 WHERE id % 11 = 0");
        Tables.awaitEqual(app, results, tables("big", "other", "beat", "totals"), CATCH_UP);
        assertThat(said.stream().filter(m -> m.startsWith("Resumed from "))).hasSize(3);
        assertThat(pipeline.status().isGloballyTerminalState()).isFalse();
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  private static void awaitSaid(List<String> said, String prefix, int times) throws Exception {
    Await.until(
        "the follower to say \"" + prefix + "\" " + times + " time(s); said: " + said,
        CATCH_UP,
        () -> said.stream().filter(m -> m.startsWith(prefix)).count() >= times);
  }

  private static String erroredView(Connection results, String view) throws Exception {
    return String.join(
        "\n",
        Sql.strings(
            results,
            "SELECT status || ': ' || error FROM "
                + SourceStatuses.TABLE
                + " WHERE \"table\" = '\"public\".\""
                + view
                + "\"'"));
  }

  private static List<String> columns(Connection results, String table) throws Exception {
    return Sql.strings(
        results,
        "SELECT attname FROM pg_attribute WHERE attrelid = '"
            + table
            + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  }
}
