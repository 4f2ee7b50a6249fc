package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JarProcess;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * mzflink writes only into what it can prove is its own: a results database that is a source's
 * upstream database is refused (decided by the servers, not by the URLs' text), a table of a
 * results table's name that mzflink did not create is refused, and the tables it created are
 * recognised by their mark on the next run.
 */
class ResultsOwnershipIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  private static final String UPSTREAM_ROWS =
      "SELECT string_agg(t::text, ',' ORDER BY id) FROM t UNION ALL"
          + " SELECT string_agg(u::text, ',' ORDER BY id) FROM u";

  @BeforeAll
  static void upstream() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    for (String database : List.of("app", "results", "taken", "swapped")) {
      server.createDatabase(database);
    }
    try (Connection app = server.connect("app")) {
      Sql.execute(
          app,
          "CREATE TABLE t (id int PRIMARY KEY, v text)",
          "CREATE TABLE u (id int PRIMARY KEY, w int)",
          "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g",
          "INSERT INTO u SELECT g, g * 2 FROM generate_series(1, 20) g",
          "CREATE PUBLICATION p FOR TABLE t, u");
    }
    try (Connection taken = server.connect("taken")) {
      // Someone's tables of the results tables' names: one of the same shape, one of another.
      Sql.execute(
          taken,
          "CREATE TABLE t (id int PRIMARY KEY, v text)",
          "INSERT INTO t VALUES (1, 'mine'), (2, 'also mine')",
          "CREATE TABLE u (note text)",
          "INSERT INTO u VALUES ('keep me')");
    }
  }

  @AfterAll
  static void dropSlots() throws Exception {
    try (Connection app = POSTGRES.server().connect("app")) {
      Sql.execute(
          app,
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
              + " WHERE slot_name LIKE 'materialize_owned%' AND NOT active");
    }
  }

  private static Path script(String name, String text) throws Exception {
    Path path = work.resolve(name);
    Files.writeString(path, text);
    return path;
  }

  private static Path materializedScript() throws Exception {
    return script(
        "owned.sql",
        "CREATE MATERIALIZED SOURCE owned FROM POSTGRES HOST '"
            + POSTGRES.server().conninfo("app")
            + "' PUBLICATION 'p';\nCREATE VIEWS FROM SOURCE owned;\n");
  }

  private static boolean schemaExists(Connection c, String schema) throws Exception {
    return Sql.longValue(c, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'")
        == 1;
  }

  @Test
  void aResultsUrlThatReachesTheUpstreamDatabaseIsRefusedBeforeAnythingIsWritten()
      throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    // The script says host=127.0.0.1; the URL says localhost: the same database all the same.
    String resultsUrl = "jdbc:postgresql://localhost:" + server.port() + "/app?user=postgres";
    try (Connection app = server.connect("app")) {
      List<String> before = Sql.strings(app, UPSTREAM_ROWS);
      try (JarProcess run =
          JarProcess.start(
              work, "run", materializedScript().toString(), "--results-url", resultsUrl)) {
        assertThat(run.waitFor(120)).as(run.stdout() + run.stderr()).isEqualTo(1);
        assertThat(run.stderr())
            .contains(
                "error: the results database "
                    + resultsUrl
                    + " is the upstream database of source \"public\".\"owned\"")
            .contains("Nothing was changed.")
            .contains("--results-url jdbc:postgresql://host:port/results")
            .doesNotContain("Exception")
            .doesNotContain("\tat ");
        assertThat(run.stdout()).doesNotContain("Started Flink job");
      }
      assertThat(Sql.strings(app, UPSTREAM_ROWS)).isEqualTo(before);
      assertThat(schemaExists(app, "mzflink")).isFalse();
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  @Test
  void aDroppedSourceOnTheResultsDatabaseIsRefusedToo() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    Path script =
        script(
            "dropped.sql",
            "CREATE SOURCE owned_gone FROM POSTGRES HOST '"
                + server.conninfo("app")
                + "' PUBLICATION 'p';\nDROP SOURCE owned_gone;\n");
    try (Connection app = server.connect("app");
        JarProcess run =
            JarProcess.start(
                work, "run", script.toString(), "--results-url", server.jdbcUrl("app"))) {
      assertThat(run.waitFor(120)).as(run.stdout() + run.stderr()).isEqualTo(1);
      assertThat(run.stderr())
          .contains("is the upstream database of source \"public\".\"owned_gone\"")
          .doesNotContain("Exception");
      assertThat(run.stdout()).doesNotContain("DROP SOURCE");
      // Not even the status rows of the dropped source were written there.
      assertThat(schemaExists(app, "mzflink")).isFalse();
    }
  }

  @Test
  void tablesMzflinkDidNotCreateAreRefusedAndKeepTheirRows() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    try (Connection taken = server.connect("taken");
        Connection app = server.connect("app")) {
      List<String> before =
          Sql.strings(taken, "SELECT t::text FROM t UNION ALL SELECT u::text FROM u ORDER BY 1");
      try (JarProcess run =
          JarProcess.start(
              work,
              "run",
              materializedScript().toString(),
              "--results-url",
              server.jdbcUrl("taken"))) {
        assertThat(run.waitFor(120)).as(run.stdout() + run.stderr()).isEqualTo(1);
        assertThat(run.stderr())
            .contains(
                "error: 2 relations in the results database were not created by mzflink: table"
                    + " \"public\".\"t\", table \"public\".\"u\"")
            .contains("Nothing was changed.")
            .contains(
                "COMMENT ON TABLE \"public\".\"t\" IS 'mzflink results table: created by mzflink,")
            .doesNotContain("Exception")
            .doesNotContain("\tat ");
        assertThat(run.stdout()).doesNotContain("Started Flink job");
      }
      assertThat(
              Sql.strings(
                  taken, "SELECT t::text FROM t UNION ALL SELECT u::text FROM u ORDER BY 1"))
          .isEqualTo(before)
          .contains("(1,mine)", "(\"keep me\")");
      assertThat(schemaExists(taken, "mzflink")).isFalse();
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  @Test
  void aSecondRunReplacesTheRowsOfTheTablesTheFirstRunCreated() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    List<String> tables = List.of("\"public\".\"t\"", "\"public\".\"u\"");
    try (Connection app = server.connect("app");
        Connection results = server.connect("results")) {
      for (int attempt = 1; attempt <= 2; attempt++) {
        try (JarProcess run =
            JarProcess.start(
                work,
                "run",
                materializedScript().toString(),
                "--results-url",
                server.jdbcUrl("results"),
                "--checkpoint-interval",
                "500ms")) {
          Await.until(
              "run " + attempt + " to start",
              Duration.ofSeconds(120),
              () -> run.stdout().contains("Started Flink job") || !run.isAlive());
          assertThat(run.isAlive()).as(run.stdout() + run.stderr()).isTrue();
          Tables.awaitEqual(app, results, tables, Duration.ofSeconds(60));
          assertThat(
                  Sql.strings(
                      results,
                      "SELECT obj_description(oid, 'pg_class') FROM pg_class"
                          + " WHERE relname IN ('t', 'u') AND relnamespace = 'public'::regnamespace"))
              .containsExactly(
                  "mzflink results table: created by mzflink, which replaces its rows on each new"
                      + " run",
                  "mzflink results table: created by mzflink, which replaces its rows on each new"
                      + " run");
          run.interrupt();
          assertThat(run.waitFor(60)).as(run.stderr()).isZero();
          assertThat(run.stderr()).doesNotContain("Exception");
        }
        if (attempt == 2) {
          break;
        }
        // Rows the second run must replace: changed upstream while no pipeline runs, and one
        // row only the results table has.
        Sql.execute(
            app,
            "UPDATE t SET v = 'between runs' WHERE id <= 5",
            "DELETE FROM u WHERE id > 15",
            "INSERT INTO t VALUES (" + (1000 + attempt) + ", 'new')");
        Sql.execute(results, "INSERT INTO t VALUES (" + (2000 + attempt) + ", 'stale')");
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  @Test
  void aTableSwappedInUnderAResultsTableNameWhileTheJobRunsIsNeverWritten() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    Path script =
        script(
            "swapped.sql",
            "CREATE MATERIALIZED SOURCE owned_swap FROM POSTGRES HOST '"
                + server.conninfo("app")
                + "' PUBLICATION 'p';\nCREATE VIEWS FROM SOURCE owned_swap;\n");
    try (Connection app = server.connect("app");
        Connection swapped = server.connect("swapped");
        JarProcess run =
            JarProcess.start(
                work,
                "run",
                script.toString(),
                "--results-url",
                server.jdbcUrl("swapped"),
                "--checkpoint-interval",
                "500ms")) {
      Await.until(
          "the job to start",
          Duration.ofSeconds(120),
          () -> run.stdout().contains("Started Flink job") || !run.isAlive());
      Tables.awaitEqual(
          app, swapped, List.of("\"public\".\"t\"", "\"public\".\"u\""), Duration.ofSeconds(120));
      // Someone moves mzflink's table away and puts their own in its place (the commit resolves
      // the name each time, as the SQL client path's sink does): it is never written.
      Sql.execute(
          swapped,
          "ALTER TABLE t RENAME TO t_moved",
          "CREATE TABLE t (id int PRIMARY KEY, v text)",
          "INSERT INTO t VALUES (1, 'mine')");
      Sql.execute(app, "UPDATE t SET v = 'after the swap' WHERE id <= 3");
      assertThat(run.waitFor(120)).as(run.stdout() + run.stderr()).isEqualTo(1);
      assertThat(run.stderr())
          .contains(
              "error: the job failed: results table \"public\".\"t\": the table of that name in the"
                  + " results database was not created by mzflink, so mzflink does not write into it.")
          .contains("COMMENT ON TABLE \"public\".\"t\" IS 'mzflink results table");
      assertThat(Sql.strings(swapped, "SELECT t::text FROM t")).containsExactly("(1,mine)");
    }
  }
}
