package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.Comparison;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-slot source carries only the columns some view reads (and the key): a change to other
 * columns reaches nothing and writes nothing to the results database; an unread TOASTed value an
 * update leaves unchanged does not matter, even when the update changes the key; a pipeline that
 * reads part of a table resumes from a savepoint. Every step ends with the views equal to
 * PostgreSQL's answer to their queries.
 */
class ColumnPruningIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path savepoints;

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  /** The views, by name: the same query upstream gives the answer. */
  private static final List<List<String>> VIEWS =
      List.of(
          List.of(
              "per_owner",
              "SELECT owner, count(*) AS docs, sum(views) AS views FROM docs GROUP BY owner"),
          List.of("popular", "SELECT id, owner, views FROM docs WHERE views > 10"));

  @Test
  void changesToColumnsNoViewReadsWriteNothing() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("pruning");
    server.createDatabase("pruning_results");
    try (Connection app = server.connect("pruning");
        Connection results = server.connect("pruning_results")) {
      // body is TOASTed (random text does not compress below the 2 kB threshold).
      Sql.execute(
          app,
          "CREATE TABLE docs (id int PRIMARY KEY, owner text NOT NULL, views int, body text)",
          "INSERT INTO docs SELECT g, 'owner' || (g % 7), g % 40,"
              + " (SELECT string_agg(md5(random()::text || g || s), '') FROM generate_series(1, 300) s)"
              + " FROM generate_series(1, 400) g",
          "CREATE PUBLICATION pruning FOR TABLE docs");
      StringBuilder script =
          new StringBuilder(
              "CREATE SOURCE src FROM POSTGRES HOST '"
                  + server.conninfo("pruning")
                  + "' PUBLICATION 'pruning';\nCREATE VIEWS FROM SOURCE src;\n");
      for (List<String> view : VIEWS) {
        script
            .append("CREATE MATERIALIZED VIEW ")
            .append(view.get(0))
            .append(" AS ")
            .append(view.get(1))
            .append(";\n");
      }
      String url = server.jdbcUrl("pruning_results");
      String savepoint;
      try (RunningPipeline pipeline = Pipelines.start(script.toString(), url, 2)) {
        awaitAnswers(app, results);
        List<String> before = versions(results);

        // Only the unread column changes: nothing reaches the views, nothing is written. Then a
        // marker change of a read column, to know the body updates went through.
        Sql.execute(app, "UPDATE docs SET body = body || 'x' WHERE id % 2 = 0");
        Sql.execute(app, "UPDATE docs SET views = 1000 WHERE id = 1");
        Await.until(
            "the marker update in the results",
            CATCH_UP,
            () -> Sql.longValue(results, "SELECT count(*) FROM popular WHERE views = 1000") == 1);
        awaitAnswers(app, results);
        List<String> after = versions(results);
        assertThat(after)
            .as("results rows rewritten by updates of a column no view reads")
            .containsAll(
                before.stream()
                    .filter(v -> !v.startsWith("popular 1 ") && !v.startsWith("per_owner owner1 "))
                    .toList());

        // Updates of read columns that leave the TOASTed body unchanged (REPLICA IDENTITY
        // DEFAULT: the WAL does not carry it), one of them changing the key.
        Sql.execute(
            app,
            "UPDATE docs SET views = views + 20 WHERE id % 5 = 0",
            "UPDATE docs SET id = id + 100000, owner = 'moved' WHERE id = 3",
            "DELETE FROM docs WHERE id % 11 = 0",
            "INSERT INTO docs VALUES (5000, 'owner1', 99, repeat('y', 10))");
        awaitAnswers(app, results);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      Await.until(
          "the replication slot released",
          CATCH_UP,
          () -> Sql.longValue(app, "SELECT count(*) FROM pg_replication_slots WHERE active") == 0);
      Sql.execute(
          app,
          "UPDATE docs SET views = views - 1 WHERE id % 3 = 0",
          "UPDATE docs SET body = 'short' WHERE id % 4 = 0");
      try (RunningPipeline pipeline =
          Pipelines.start(script.toString(), url, 2, Optional.of(savepoint))) {
        awaitAnswers(app, results);
        Sql.execute(app, "UPDATE docs SET owner = 'late' WHERE id % 6 = 0");
        awaitAnswers(app, results);
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  /**
   * A script whose views read other columns of a table than the saved state's pipeline did: the
   * resumed source reads that table again, its rows of the saved state are retracted in the table's
   * new shape, and the views over it go on from their state; from scratch it runs too.
   */
  @Test
  void aResumeThatReadsATableOtherwiseReadsItAgain() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("reread");
    server.createDatabase("reread_results");
    try (Connection app = server.connect("reread");
        Connection results = server.connect("reread_results")) {
      Sql.execute(
          app,
          "CREATE TABLE docs (id int PRIMARY KEY, owner text NOT NULL, views int, body text)",
          "INSERT INTO docs SELECT g, 'owner' || (g % 7), g % 40, 'body ' || g"
              + " FROM generate_series(1, 200) g",
          "CREATE PUBLICATION reread FOR TABLE docs");
      String view = "SELECT id, owner, views FROM docs WHERE views > 10";
      String counted = "SELECT owner, count(*) AS c, sum(views) AS v FROM docs GROUP BY owner";
      String before =
          "CREATE SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("reread")
              + "' PUBLICATION 'reread';\nCREATE VIEWS FROM SOURCE src;\n"
              + "CREATE MATERIALIZED VIEW popular AS "
              + view
              + ";\nCREATE MATERIALIZED VIEW counted AS "
              + counted
              + ";\n";
      // A plain view over one more column: popular is as it was, docs is read otherwise.
      String after = before + "CREATE VIEW bodies AS SELECT id, body FROM docs;\n";
      String url = server.jdbcUrl("reread_results");
      String savepoint;
      try (RunningPipeline pipeline = Pipelines.start(before, url, 2)) {
        awaitAnswer(app, results, "popular", view);
        awaitAnswer(app, results, "counted", counted);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      Await.until(
          "the replication slot released",
          CATCH_UP,
          () -> Sql.longValue(app, "SELECT count(*) FROM pg_replication_slots WHERE active") == 0);
      Sql.execute(
          app, "UPDATE docs SET views = 50 WHERE id <= 5", "DELETE FROM docs WHERE id > 190");
      try (RunningPipeline pipeline = Pipelines.start(after, url, 2, Optional.of(savepoint))) {
        awaitAnswer(app, results, "popular", view);
        awaitAnswer(app, results, "counted", counted);
        Sql.execute(app, "UPDATE docs SET views = views + 1, body = 'b' WHERE id % 3 = 0");
        awaitAnswer(app, results, "popular", view);
        awaitAnswer(app, results, "counted", counted);
      }
      try (RunningPipeline pipeline = Pipelines.start(after, url, 2)) {
        awaitAnswer(app, results, "popular", view);
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  private static void awaitAnswer(Connection app, Connection results, String table, String query)
      throws Exception {
    Await.until(
        "view " + table + " equal to PostgreSQL's answer",
        CATCH_UP,
        () -> Comparison.compare(app, query, results, "SELECT * FROM " + table).equal());
  }

  /** Waits until every view's results table equals PostgreSQL's answer to its query. */
  private static void awaitAnswers(Connection app, Connection results) throws Exception {
    for (List<String> view : VIEWS) {
      String mine = "SELECT * FROM " + view.get(0);
      Await.until(
          "view " + view.get(0) + " equal to PostgreSQL's answer",
          CATCH_UP,
          () -> Comparison.compare(app, view.get(1), results, mine).equal());
    }
  }

  /** Each results row with the transaction that wrote it (xmin): a rewritten row has a new one. */
  private static List<String> versions(Connection results) throws Exception {
    List<String> rows =
        new java.util.ArrayList<>(
            Sql.strings(
                results, "SELECT 'per_owner ' || owner || ' ' || xmin::text FROM per_owner"));
    rows.addAll(Sql.strings(results, "SELECT 'popular ' || id || ' ' || xmin::text FROM popular"));
    assertThat(rows).hasSizeGreaterThan(100);
    return rows;
  }
}
