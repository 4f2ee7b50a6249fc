package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.UserError;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JobStatusWatch;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.translate.FlinkPlan.ResultsEnum;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enum columns: the results database holds its own copy of each upstream enum type, marked as
 * mzflink's and compared with upstream by its labels whenever a pipeline starts. A pipeline with
 * enum columns resumes from a savepoint; labels added upstream while it is stopped are added on
 * resume in their upstream places; labels added while it runs stop the job with a named error,
 * nothing half-written, and arrive when it runs again; a fresh start gives the results type
 * upstream's labels in upstream's order; a type mzflink did not create is never changed.
 */
class EnumColumnsIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path savepoints;

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  private static final List<String> TABLES =
      List.of("\"public\".\"feelings\"", "\"public\".\"moods_log\"", "\"other\".\"levels\"");

  private static final String[] UPSTREAM_SCHEMA = {
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE SCHEMA other",
    "CREATE TYPE other.level AS ENUM ('low', 'high')",
    "CREATE TABLE feelings (id int PRIMARY KEY, m mood, ms mood[], note text)",
    "CREATE TABLE moods_log (m mood NOT NULL, n int)",
    "ALTER TABLE moods_log REPLICA IDENTITY FULL",
    "CREATE TABLE other.levels (id int PRIMARY KEY, l other.level, m mood)",
    "INSERT INTO feelings SELECT g, (enum_range(NULL::mood))[1 + g % 3],"
        + " ARRAY[(enum_range(NULL::mood))[1 + g % 3], NULL, 'happy']::mood[], 'n' || g"
        + " FROM generate_series(1, 300) g",
    "INSERT INTO moods_log SELECT (enum_range(NULL::mood))[1 + g % 3], g % 7"
        + " FROM generate_series(1, 300) g",
    "INSERT INTO other.levels SELECT g, CASE WHEN g % 2 = 0 THEN 'low' ELSE 'high' END::other.level,"
        + " 'ok' FROM generate_series(1, 50) g",
  };

  private static EmbeddedPostgresServer databases(String name) throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase(name);
    server.createDatabase(name + "_results");
    return server;
  }

  private static String labels(Connection c, String type) throws Exception {
    return Sql.strings(c, "SELECT enum_range(NULL::" + type + ")::text").get(0);
  }

  /**
   * Savepoint and resume with enum columns; a label added upstream while stopped (in the middle of
   * the type) is added to the results type in its place on resume; labels added while the job runs
   * and used at once stop the job with an error naming the type and the label (no restart, the
   * results as they were before); run again, the labels are added in their upstream places and
   * everything arrives.
   */
  @Test
  void enumColumnsResumeAndLabelsAddedUpstreamReachTheResults() throws Exception {
    EmbeddedPostgresServer server = databases("enums");
    try (Connection app = server.connect("enums");
        Connection results = server.connect("enums_results")) {
      Sql.execute(app, UPSTREAM_SCHEMA);
      Sql.execute(app, "CREATE PUBLICATION enums FOR TABLE feelings, moods_log, other.levels");
      String script =
          "CREATE SCHEMA other;\n" + Pipelines.replicate(server.conninfo("enums"), "enums");
      String url = server.jdbcUrl("enums_results");
      String savepoint;
      try (RunningPipeline pipeline = Pipelines.start(script, url, 2)) {
        Tables.awaitEqual(app, results, TABLES, CATCH_UP);
        Sql.execute(app, "UPDATE feelings SET m = 'happy' WHERE id <= 10");
        Tables.awaitEqual(app, results, TABLES, CATCH_UP);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      // Stopped means the slot is released: until then, keepalives for upstream's next writes
      // would let pgjdbc confirm WAL past the savepoint (a resume then refused; not this test's
      // subject).
      Await.until(
          "the replication slot released",
          CATCH_UP,
          () -> Sql.longValue(app, "SELECT count(*) FROM pg_replication_slots WHERE active") == 0);
      assertThat(labels(results, "public.mood")).isEqualTo("{sad,ok,happy}");
      assertThat(
              Sql.strings(
                  results,
                  "SELECT obj_description('public.mood'::regtype, 'pg_type') || ' / '"
                      + " || obj_description('other.level'::regtype, 'pg_type')"))
          .containsExactly(ResultsEnum.MARK + " / " + ResultsEnum.MARK);

      // While stopped: a label in the middle of the type, used at once.
      Sql.execute(app, "ALTER TYPE mood ADD VALUE 'calm' BEFORE 'ok'");
      Sql.execute(
          app,
          "INSERT INTO feelings VALUES (1001, 'calm', '{calm,sad}', 'stopped')",
          "INSERT INTO moods_log VALUES ('calm', 1)",
          "UPDATE other.levels SET m = 'calm' WHERE id = 1");

      try (RunningPipeline pipeline = Pipelines.start(script, url, 2, Optional.of(savepoint));
          JobStatusWatch watch = JobStatusWatch.start(pipeline)) {
        Tables.awaitEqual(app, results, TABLES, CATCH_UP);
        assertThat(labels(results, "public.mood")).isEqualTo("{sad,calm,ok,happy}");
        List<String> before = contents(results);

        // While running: labels added at the end and in the middle, used in every kind of column.
        Sql.execute(app, "ALTER TYPE mood ADD VALUE 'ecstatic'");
        Sql.execute(app, "ALTER TYPE other.level ADD VALUE 'medium' BEFORE 'high'");
        Sql.execute(
            app,
            "INSERT INTO feelings VALUES (2001, 'ecstatic', '{ecstatic,NULL,happy}', 'running')",
            "UPDATE feelings SET ms = '{sad,ecstatic}' WHERE id = 2",
            "INSERT INTO moods_log VALUES ('ecstatic', 2), ('ecstatic', 2)",
            "UPDATE moods_log SET m = 'ecstatic' WHERE n = 3",
            "UPDATE other.levels SET l = 'medium', m = 'ecstatic' WHERE id <= 5");
        Throwable failure = Pipelines.awaitEnd(pipeline, CATCH_UP);
        assertThat(failure).as("the job stops").isNotNull();
        assertThat(messages(failure))
            .anyMatch(
                m ->
                    m.matches(
                        "(?s)enum type (\"public\"\\.\"mood\" in the results database lacks label"
                            + " 'ecstatic'|\"other\"\\.\"level\" in the results database lacks"
                            + " label 'medium'), which upstream added while the job ran .*Run the"
                            + " pipeline again.*"));
        assertThat(watch.notRunning()).doesNotContain(JobStatus.RESTARTING);
        // Nothing half-written: the results hold what they held before the new labels came.
        assertThat(contents(results)).isEqualTo(before);
        assertThat(labels(results, "public.mood")).isEqualTo("{sad,calm,ok,happy}");
      }

      // Run again (from scratch): the labels are added in their upstream places, everything
      // arrives, and the results types have upstream's labels in upstream's order.
      Sql.execute(app, "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'sad'");
      Sql.execute(app, "UPDATE feelings SET m = 'meh' WHERE id BETWEEN 20 AND 30");
      try (RunningPipeline pipeline = Pipelines.start(script, url, 2)) {
        Tables.awaitEqual(app, results, TABLES, CATCH_UP);
        assertThat(labels(results, "public.mood")).isEqualTo("{meh,sad,calm,ok,happy,ecstatic}");
        assertThat(labels(results, "other.level")).isEqualTo("{low,medium,high}");
        assertThat(
                Sql.longValue(
                    results, "SELECT count(*) FROM moods_log WHERE m = 'ecstatic'::public.mood"))
            .isEqualTo(Sql.longValue(app, "SELECT count(*) FROM moods_log WHERE m = 'ecstatic'"))
            .isGreaterThan(2);
        assertThat(labels(results, "public.mood")).isEqualTo(labels(app, "public.mood"));
        assertThat(labels(results, "other.level")).isEqualTo(labels(app, "other.level"));
        assertThat(Sql.strings(results, "SELECT id || ':' || m FROM feelings ORDER BY m, id"))
            .isEqualTo(Sql.strings(app, "SELECT id || ':' || m FROM feelings ORDER BY m, id"));
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  private static List<String> contents(Connection results) throws Exception {
    List<String> rows = new java.util.ArrayList<>();
    for (String table : TABLES) {
      rows.addAll(Sql.strings(results, "SELECT t::text FROM " + table + " t ORDER BY 1"));
    }
    return rows;
  }

  private static List<String> messages(Throwable failure) {
    List<String> messages = new java.util.ArrayList<>();
    for (Throwable t = failure; t != null && messages.size() < 50; t = t.getCause()) {
      messages.add(String.valueOf(t.getMessage()));
    }
    return messages;
  }

  /**
   * A results database whose enum type of that name was not created by mzflink and lacks a label
   * upstream has: refused before the job starts, naming the type and the label; the type is not
   * changed.
   */
  @Test
  void anEnumTypeMzflinkDidNotCreateIsNeverChanged() throws Exception {
    EmbeddedPostgresServer server = databases("theirs");
    try (Connection app = server.connect("theirs");
        Connection results = server.connect("theirs_results")) {
      Sql.execute(app, UPSTREAM_SCHEMA);
      Sql.execute(app, "CREATE PUBLICATION theirs FOR TABLE feelings");
      Sql.execute(results, "CREATE TYPE mood AS ENUM ('sad', 'happy')");
      String script = Pipelines.replicate(server.conninfo("theirs"), "theirs");
      assertThatThrownBy(
              () -> {
                try (RunningPipeline started =
                    Pipelines.start(script, server.jdbcUrl("theirs_results"), 1)) {
                  // started: the type was reused as it is
                }
              })
          .isInstanceOf(UserError.class)
          .hasMessage(
              "enum type \"public\".\"mood\" in the results database lacks label 'ok' that upstream has");
      assertThat(labels(results, "public.mood")).isEqualTo("{sad,happy}");
      assertThat(
              Sql.longValue(results, "SELECT count(*) FROM pg_tables WHERE tablename = 'feelings'"))
          .isZero();
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }
}
