package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.Failpoints;
import dev.mzflink.cli.Main;
import dev.mzflink.demo.Comparison;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.testing.UpstreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * {@code mzflink refresh} re-reads a table of a running pipeline and writes only the difference: a
 * results table edited by hand (rows changed, deleted and added) is repaired with exactly as many
 * rows written as differed, rows that were right keep their row version (not rewritten), the view
 * over the table stays equal to PostgreSQL's own answer, and the other tables, busy with writes
 * throughout, stay exact. Requests inserted with SQL work too; a request for a table whose shape
 * changed, or for a table the source does not have, fails with the reason.
 */
class RefreshIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final Duration CATCH_UP = Duration.ofSeconds(120);
  private static final String VIEW_UPSTREAM =
      "SELECT name, count(*) AS n, sum(price) AS total FROM items GROUP BY name";
  private static final String VIEW_RESULTS = "SELECT name, n, total FROM totals";

  @Test
  void aResultsTableEditedByHandIsRepairedWritingOnlyTheRowsThatDiffer() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("refresh");
    server.createDatabase("refresh_results");
    String resultsUrl = server.jdbcUrl("refresh_results");
    // tags gets a column upstream below, which its results table does not have.
    List<String> tables = List.of("accounts", "ledger", "items");
    try (Connection app = server.connect("refresh");
        Connection results = server.connect("refresh_results")) {
      Sql.execute(app, UpstreamWriter.schema("refresh", 5_000));
      Sql.execute(
          app,
          "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price int NOT NULL)",
          "INSERT INTO items SELECT g, 'item ' || (g % 40), g % 97 FROM generate_series(1, 5000) g",
          "CREATE TABLE tags (id int PRIMARY KEY, label text)",
          "INSERT INTO tags SELECT g, 'tag ' || g FROM generate_series(1, 100) g",
          "ALTER PUBLICATION refresh ADD TABLE items, tags");
      String script =
          Pipelines.replicate(server.conninfo("refresh"), "refresh")
              + "CREATE MATERIALIZED VIEW totals AS "
              + VIEW_UPSTREAM
              + ";\n";
      try (UpstreamWriter writer = UpstreamWriter.start(server.jdbcUrl("refresh"), 5_000, 11);
          RunningPipeline pipeline = Pipelines.start(script, resultsUrl, 2)) {
        Tables.awaitEqual(app, results, List.of("items", "tags"), CATCH_UP);
        awaitViewEqual(app, results);

        // Someone edits the results table: 5 rows changed, 3 deleted, 2 added.
        Sql.execute(
            results,
            "UPDATE items SET name = 'edited' WHERE id BETWEEN 1 AND 5",
            "DELETE FROM items WHERE id BETWEEN 100 AND 102",
            "INSERT INTO items VALUES (900001, 'junk', 1), (900002, 'junk', 2)");
        String untouched = rowVersions(results);

        refresh(resultsUrl, "items", 10);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(
                Sql.strings(
                    results,
                    "SELECT state || ' ' || rows_written FROM mzflink.mz_refresh_requests"))
            .containsExactly("done 10");
        // The rows that were right were not written again: same row versions.
        assertThat(rowVersions(results)).isEqualTo(untouched);
        Tables.awaitEqual(app, results, List.of("items", "tags"), CATCH_UP);
        awaitViewEqual(app, results);
        Await.until(
            "items to run again after its re-read",
            CATCH_UP,
            () ->
                Sql.strings(
                        results,
                        "SELECT status FROM mzflink.mz_source_statuses WHERE \"table\" ="
                            + " '\"public\".\"items\"'")
                    .equals(List.of("running")));

        // mzflink status lists the request.
        StringWriter status = new StringWriter();
        assertThat(run(status, err, "status", "--results-url", resultsUrl)).isZero();
        assertThat(status.toString())
            .containsPattern("\\| \"public\".\"items\" +\\| done +\\| 10 ");

        // The pipeline goes on after the restart that the re-read took.
        Sql.execute(app, "UPDATE items SET price = price + 1 WHERE id <= 50");
        Tables.awaitEqual(app, results, List.of("items"), CATCH_UP);
        awaitViewEqual(app, results);

        // Requests by SQL: a table whose shape changed is refused with the change named, and so is
        // a table the source does not have.
        Sql.execute(app, "ALTER TABLE tags ADD COLUMN extra int");
        Sql.execute(
            results,
            "INSERT INTO mzflink.mz_refresh_requests (source, \"table\") VALUES ('src', 'tags'),"
                + " ('src', 'public.nosuch')");
        Await.until(
            "both requests to fail",
            CATCH_UP,
            () ->
                Sql.longValue(
                        results,
                        "SELECT count(*) FROM mzflink.mz_refresh_requests WHERE state = 'failed'")
                    == 2);
        assertThat(
                Sql.strings(
                    results,
                    "SELECT error FROM mzflink.mz_refresh_requests WHERE state = 'failed' ORDER BY"
                        + " id"))
            .satisfiesExactly(
                tags -> assertThat(tags).contains("\"public\".\"tags\"", "\"extra\"", "added"),
                nosuch -> assertThat(nosuch).contains("has no table public.nosuch"));

        // The command reports a refused request and exits 1.
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertThat(
                run(
                    out,
                    err,
                    "refresh",
                    "--results-url",
                    resultsUrl,
                    "--timeout",
                    "3m",
                    "src",
                    "nosuch"))
            .isEqualTo(1);
        assertThat(out.toString())
            .contains("nosuch: failed: source \"public\".\"src\" has no table nosuch");
        // Each request was taken once: one restart for the one re-read.
        assertThat(
                Sql.strings(
                    results,
                    "SELECT state || ' ' || coalesce(rows_written::text, '-') FROM"
                        + " mzflink.mz_refresh_requests ORDER BY id"))
            .containsExactly("done 10", "failed -", "failed -", "failed -");

        // A table the writer keeps busy is re-read while it writes: handed over exactly.
        out.getBuffer().setLength(0);
        long before = writer.transactions();
        assertThat(
                run(
                    out,
                    err,
                    "refresh",
                    "--results-url",
                    resultsUrl,
                    "--timeout",
                    "3m",
                    "src",
                    "accounts"))
            .as("refresh of accounts; out: %s; err: %s", out, err)
            .isZero();
        assertThat(writer.transactions()).isGreaterThan(before);
        writer.pause();
        assertThat(writer.transactions()).isPositive();
        Tables.awaitEqual(app, results, tables, CATCH_UP);
        awaitViewEqual(app, results);
      }
    }
  }

  /**
   * A table errored by a schema change that was then undone upstream: refresh reads it again, the
   * changes it missed while errored are written (and only they), its status is running again, and
   * its later changes replicate.
   */
  @Test
  void anErroredTableWhoseChangeWasUndoneIsBroughtBack() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("errored");
    server.createDatabase("errored_results");
    String resultsUrl = server.jdbcUrl("errored_results");
    String status =
        "SELECT status FROM mzflink.mz_source_statuses WHERE \"table\" = '\"public\".\"events\"'";
    try (Connection app = server.connect("errored");
        Connection results = server.connect("errored_results")) {
      Sql.execute(
          app,
          "CREATE TABLE events (id int PRIMARY KEY, note text)",
          "INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, 1000) g",
          "CREATE TABLE other (id int PRIMARY KEY, note text)",
          "CREATE PUBLICATION errored FOR TABLE events, other");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("errored"), "errored"), resultsUrl, 2)) {
        Tables.awaitEqual(app, results, List.of("events"), CATCH_UP);
        Sql.execute(
            app,
            "ALTER TABLE events ADD COLUMN extra int",
            "INSERT INTO events VALUES (1001, 'with extra', 7)");
        Await.until(
            "events to be errored",
            CATCH_UP,
            () -> Sql.strings(results, status).equals(List.of("errored")));
        Sql.execute(
            app,
            "ALTER TABLE events DROP COLUMN extra",
            "INSERT INTO events VALUES (1002, 'after the drop')",
            "UPDATE events SET note = 'changed' WHERE id = 5",
            "DELETE FROM events WHERE id = 6");
        // The other table flows while events is errored.
        Pipelines.awaitMarker(app, results, "other", 1, CATCH_UP);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM events")).isEqualTo(1000);

        // 1001 and 1002 inserted, 5 updated, 6 deleted.
        refresh(resultsUrl, "events", 4);
        Tables.awaitEqual(app, results, List.of("events"), CATCH_UP);
        Await.until(
            "events to run again",
            CATCH_UP,
            () -> Sql.strings(results, status).equals(List.of("running")));

        Sql.execute(
            app, "INSERT INTO events VALUES (1003, 'later')", "DELETE FROM events WHERE id = 7");
        Tables.awaitEqual(app, results, List.of("events", "other"), CATCH_UP);
      }
    }
  }

  /**
   * A table removed from the publication is reported dropped and stops replicating (pgoutput would
   * otherwise just stop sending its changes) while the other table flows; added back, its changes
   * still do not replicate (those in between are lost) until refresh reads it again.
   */
  @Test
  void aTableRemovedFromThePublicationIsDroppedUntilRefreshReadsItAgain() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("dropping");
    server.createDatabase("dropping_results");
    String resultsUrl = server.jdbcUrl("dropping_results");
    String status =
        "SELECT status || ': ' || coalesce(error, '') FROM mzflink.mz_source_statuses WHERE"
            + " \"table\" = '\"public\".\"gone\"'";
    try (Connection app = server.connect("dropping");
        Connection results = server.connect("dropping_results")) {
      Sql.execute(
          app,
          "CREATE TABLE kept (id bigint PRIMARY KEY, note text)",
          "CREATE TABLE gone (id int PRIMARY KEY, v int)",
          "INSERT INTO gone SELECT g, g FROM generate_series(1, 300) g",
          "CREATE PUBLICATION dropping FOR TABLE kept, gone");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("dropping"), "dropping"), resultsUrl, 2)) {
        Tables.awaitEqual(app, results, List.of("kept", "gone"), CATCH_UP);
        Sql.execute(
            app,
            "ALTER PUBLICATION dropping DROP TABLE gone",
            "INSERT INTO gone VALUES (301, 301)",
            "UPDATE gone SET v = -v WHERE id <= 10");
        Await.until(
            "gone to be dropped",
            CATCH_UP,
            () -> Sql.strings(results, status).get(0).startsWith("dropped: table"));
        assertThat(Sql.strings(results, status).get(0))
            .contains("\"public\".\"gone\" was removed from publication dropping")
            .contains("mzflink refresh");
        Pipelines.awaitMarker(app, results, "kept", 1, CATCH_UP);

        // Added back: its changes stay out until it is read again.
        Sql.execute(
            app, "ALTER PUBLICATION dropping ADD TABLE gone", "INSERT INTO gone VALUES (302, 302)");
        Pipelines.awaitMarker(app, results, "kept", 2, CATCH_UP);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM gone")).isEqualTo(300);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM gone WHERE v < 0")).isZero();

        // 301 and 302 inserted, 10 updated. Requested by SQL in a results database where the
        // command line never ran: the running job made the table.
        Sql.execute(
            results,
            "INSERT INTO mzflink.mz_refresh_requests (source, \"table\") VALUES ('src', 'gone')");
        Await.until(
            "the refresh by SQL to be done",
            CATCH_UP,
            () ->
                Sql.strings(
                        results,
                        "SELECT state || ' ' || coalesce(rows_written::text, '') FROM"
                            + " mzflink.mz_refresh_requests")
                    .equals(List.of("done 12")));
        Tables.awaitEqual(app, results, List.of("kept", "gone"), CATCH_UP);
        Await.until(
            "gone to run again",
            CATCH_UP,
            () -> Sql.strings(results, status).get(0).equals("running: "));
        Sql.execute(app, "DELETE FROM gone WHERE id > 290", "INSERT INTO kept VALUES (3, 'x')");
        Tables.awaitEqual(app, results, List.of("kept", "gone"), CATCH_UP);
      }
    }
  }

  /**
   * A failure in the middle of a re-read: the job restarts, the request is taken up again from its
   * state, and the difference is still written once.
   */
  @Test
  void aReReadInterruptedByAFailureIsTakenUpAgain() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("interrupted");
    server.createDatabase("interrupted_results");
    String resultsUrl = server.jdbcUrl("interrupted_results");
    try (Connection app = server.connect("interrupted");
        Connection results = server.connect("interrupted_results")) {
      Sql.execute(
          app,
          "CREATE TABLE big (id int PRIMARY KEY, v text)",
          "INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, 40000) g",
          "CREATE PUBLICATION interrupted FOR TABLE big");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("interrupted"), "interrupted"), resultsUrl, 2)) {
        Tables.awaitEqual(app, results, List.of("big"), CATCH_UP);
        Sql.execute(
            results,
            "UPDATE big SET v = 'edited' WHERE id = 7",
            "DELETE FROM big WHERE id = 8",
            "INSERT INTO big VALUES (0, 'junk')");
        Failpoints.arm(Failpoints.INSIDE_SNAPSHOT);
        try {
          refresh(resultsUrl, "big", 3);
          assertThat(Failpoints.fired(Failpoints.INSIDE_SNAPSHOT)).isTrue();
        } finally {
          Failpoints.disarm(Failpoints.INSIDE_SNAPSHOT);
        }
        Tables.awaitEqual(app, results, List.of("big"), CATCH_UP);
      }
    }
  }

  /**
   * Runs {@code mzflink refresh} of {@code table} of source src: done, with {@code rows} written.
   */
  private static void refresh(String resultsUrl, String table, long rows) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        run(out, err, "refresh", "--results-url", resultsUrl, "--timeout", "3m", "src", table);
    assertThat(code).as("refresh of %s; out: %s; err: %s", table, out, err).isZero();
    assertThat(out.toString())
        .containsPattern(table + "\"?: refreshed, " + rows + " row\\(s\\) of its results table");
  }

  private static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  /** Each row's key and row version (xmin) in the results table, of the rows nobody edited. */
  private static String rowVersions(Connection results) throws Exception {
    return Sql.strings(
            results,
            "SELECT string_agg(id || ':' || xmin::text, ',' ORDER BY id) FROM items WHERE id > 1000"
                + " AND id < 900000")
        .get(0);
  }

  private static void awaitViewEqual(Connection app, Connection results) throws Exception {
    Await.until(
        "the view totals to equal PostgreSQL's answer",
        CATCH_UP,
        () -> Comparison.compare(app, VIEW_UPSTREAM, results, VIEW_RESULTS).equal());
  }
}
