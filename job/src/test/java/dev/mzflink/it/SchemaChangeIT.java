package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  private static List<String> columns(Connection results, String table) throws Exception {
    return Sql.strings(
        results,
        "SELECT attname FROM pg_attribute WHERE attrelid = '"
            + table
            + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  }
}
