package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.UserError;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
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
 * {@code mzflink run} reads each source through one replication slot, and its normalizer turns the
 * seed's restrictions (TOAST, TRUNCATE, key-less tables, schema changes) into correct results or a
 * named error. The server allows 10 replication slots and WAL senders, PostgreSQL's defaults.
 */
class OneSlotSourceIT {
  @RegisterExtension
  static final PostgresServerExtension POSTGRES =
      new PostgresServerExtension(Map.of("max_replication_slots", "10", "max_wal_senders", "10"));

  @TempDir static Path savepoints;

  private static final Duration CATCH_UP = Duration.ofSeconds(90);

  private static List<String> tables(String... names) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      out.add("\"public\".\"" + name + "\"");
    }
    return out;
  }

  private static EmbeddedPostgresServer databases(String name) throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase(name);
    server.createDatabase(name + "_results");
    return server;
  }

  @Test
  void twelveTablesShareOneSlotAndOneWalSender() throws Exception {
    EmbeddedPostgresServer server = databases("twelve");
    List<String> names = new ArrayList<>();
    try (Connection app = server.connect("twelve");
        Connection results = server.connect("twelve_results")) {
      for (int i = 1; i <= 12; i++) {
        String t = "t" + i;
        names.add(t);
        Sql.execute(
            app,
            "CREATE TABLE " + t + " (id int PRIMARY KEY, v text)",
            "ALTER TABLE " + t + " REPLICA IDENTITY FULL",
            "INSERT INTO " + t + " SELECT g, 'v' || g FROM generate_series(1, 500) g");
      }
      Sql.execute(app, "CREATE PUBLICATION twelve FOR ALL TABLES");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("twelve"), "twelve"),
              server.jdbcUrl("twelve_results"),
              2)) {
        List<String> all = tables(names.toArray(new String[0]));
        Tables.awaitEqual(app, results, all, CATCH_UP);
        for (String t : names) {
          Sql.execute(
              app,
              "UPDATE " + t + " SET v = NULL WHERE id % 7 = 0",
              "DELETE FROM " + t + " WHERE id > 490");
        }
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots"))
            .containsExactly("materialize_src");
        assertThat(Sql.longValue(app, "SELECT count(*) FROM pg_stat_replication")).isEqualTo(1);
      }
    }
  }

  @Test
  void toastedValuesLeftUnchangedByAnUpdateStayExact() throws Exception {
    EmbeddedPostgresServer server = databases("toast");
    try (Connection app = server.connect("toast");
        Connection results = server.connect("toast_results")) {
      String big = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 32768))";
      Sql.execute(
          app,
          "CREATE TABLE full_identity (id int PRIMARY KEY, n int, doc text, data bytea)",
          "ALTER TABLE full_identity REPLICA IDENTITY FULL",
          "CREATE TABLE default_identity (id int PRIMARY KEY, n int, doc text, data bytea)",
          "CREATE TABLE keyless (n int, doc text)",
          "ALTER TABLE keyless REPLICA IDENTITY FULL",
          "INSERT INTO full_identity SELECT g, g, "
              + big
              + ", convert_to("
              + big
              + ", 'UTF8') FROM generate_series(1, 3) g",
          "INSERT INTO default_identity SELECT g, g, "
              + big
              + ", convert_to("
              + big
              + ", 'UTF8') FROM generate_series(1, 3) g",
          "INSERT INTO keyless SELECT g, " + big + " FROM generate_series(1, 2) g",
          "CREATE PUBLICATION toast FOR TABLE full_identity, default_identity, keyless");
      assertThat(Sql.longValue(app, "SELECT min(length(doc)) FROM default_identity"))
          .isEqualTo(1_048_576);
      List<String> all = tables("full_identity", "default_identity", "keyless");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("toast"), "toast"),
              server.jdbcUrl("toast_results"),
              1)) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(
            app,
            "UPDATE full_identity SET n = n + 100",
            "UPDATE default_identity SET n = n + 100",
            "UPDATE keyless SET n = n + 100",
            "INSERT INTO default_identity SELECT 10, 10, " + big + ", NULL",
            "UPDATE default_identity SET n = -1 WHERE id = 10");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        // REPLICA IDENTITY DEFAULT: the WAL carries only the key of deleted rows and of rows whose
        // key changed; the normalizer supplies the rest from state.
        Sql.execute(
            app,
            "UPDATE default_identity SET id = 20, doc = 'small now', data = NULL WHERE id = 2",
            "DELETE FROM default_identity WHERE id = 1",
            "UPDATE full_identity SET id = 30 WHERE id = 3");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(
                Sql.longValue(
                    results, "SELECT count(*) FROM default_identity WHERE doc LIKE '%debezium%'"))
            .isZero();
      }
    }
  }

  @Test
  void aKeyChangeThatLeavesAToastedValueUnchangedWithoutFullIdentityStopsTheJob() throws Exception {
    EmbeddedPostgresServer server = databases("toastkey");
    try (Connection app = server.connect("toastkey");
        Connection results = server.connect("toastkey_results")) {
      Sql.execute(
          app,
          "CREATE TABLE docs (id int PRIMARY KEY, doc text)",
          "INSERT INTO docs SELECT g, (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 4096)) FROM generate_series(1, 2) g",
          "CREATE PUBLICATION toastkey FOR TABLE docs");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("toastkey"), "toastkey"),
              server.jdbcUrl("toastkey_results"),
              1)) {
        Tables.awaitEqual(app, results, tables("docs"), CATCH_UP);
        Sql.execute(app, "UPDATE docs SET id = 10 WHERE id = 1");
        assertThatThrownBy(pipeline::await)
            .hasStackTraceContaining(
                "an UPDATE of table \"public\".\"docs\" changed the primary key and left TOASTed column(s) \"doc\" unchanged:"
                    + " with REPLICA IDENTITY DEFAULT the WAL does not carry their values. Run ALTER TABLE \"public\".\"docs\""
                    + " REPLICA IDENTITY FULL; upstream");
        assertThat(Sql.longValue(results, "SELECT count(*) FROM docs WHERE doc LIKE '%debezium%'"))
            .isZero();
      }
    }
  }

  @Test
  void truncateRetractsEveryRowAndReplicationGoesOn() throws Exception {
    EmbeddedPostgresServer server = databases("trunc");
    try (Connection app = server.connect("trunc");
        Connection results = server.connect("trunc_results")) {
      Sql.execute(
          app,
          "CREATE TABLE a (id int PRIMARY KEY, v int)",
          "CREATE TABLE b (v int)",
          "ALTER TABLE b REPLICA IDENTITY FULL",
          "CREATE TABLE c (id int PRIMARY KEY, v int)",
          "INSERT INTO a SELECT g, g FROM generate_series(1, 1000) g",
          "INSERT INTO b SELECT g % 10 FROM generate_series(1, 1000) g",
          "INSERT INTO c SELECT g, g FROM generate_series(1, 100) g",
          "CREATE PUBLICATION trunc FOR TABLE a, b, c");
      List<String> all = tables("a", "b", "c");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("trunc"), "trunc"),
              server.jdbcUrl("trunc_results"),
              2)) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(app, "TRUNCATE a");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM a")).isZero();
        Sql.execute(
            app,
            "INSERT INTO a VALUES (1, 1), (2, 2)",
            "TRUNCATE a, b",
            "INSERT INTO b VALUES (7), (7)");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.transaction(
            app,
            "INSERT INTO c VALUES (1000, 1)",
            "TRUNCATE c",
            "INSERT INTO c VALUES (1, 42), (2, 43)",
            "UPDATE c SET v = 44 WHERE id = 2",
            "INSERT INTO a VALUES (5, 5)");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(Sql.strings(results, "SELECT id || ':' || v FROM c ORDER BY id"))
            .containsExactly("1:42", "2:44");
      }
    }
  }

  @Test
  void keylessDuplicatesSurviveSnapshotUpdatesAndDeletes() throws Exception {
    EmbeddedPostgresServer server = databases("dups");
    try (Connection app = server.connect("dups");
        Connection results = server.connect("dups_results")) {
      Sql.execute(
          app,
          "CREATE TABLE d (k text, v int)",
          "ALTER TABLE d REPLICA IDENTITY FULL",
          "INSERT INTO d VALUES ('x', 1), ('x', 1), ('x', 1), ('y', NULL), ('y', NULL)",
          "CREATE PUBLICATION dups FOR TABLE d");
      List<String> all = tables("d");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("dups"), "dups"),
              server.jdbcUrl("dups_results"),
              2)) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM d WHERE k = 'x'")).isEqualTo(3);
        Sql.execute(
            app,
            "UPDATE d SET v = 2 WHERE ctid = (SELECT ctid FROM d WHERE k = 'x' LIMIT 1)",
            "DELETE FROM d WHERE ctid = (SELECT ctid FROM d WHERE k = 'y' LIMIT 1)",
            "INSERT INTO d VALUES ('x', 1)");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM d WHERE k = 'x' AND v = 1"))
            .isEqualTo(3);
      }
    }
  }

  @Test
  void addingOrDroppingAColumnErrorsTheTableNamingItWhileTheOtherTablesKeepFlowing()
      throws Exception {
    EmbeddedPostgresServer server = databases("ddl");
    try (Connection app = server.connect("ddl");
        Connection results = server.connect("ddl_results")) {
      Sql.execute(
          app,
          "CREATE TABLE grows (id int PRIMARY KEY, v int)",
          "CREATE TABLE shrinks (id int PRIMARY KEY, v int, gone text)",
          "CREATE TABLE steady (id int PRIMARY KEY, v int)",
          "INSERT INTO grows VALUES (1, 1)",
          "INSERT INTO shrinks VALUES (1, 1, 'x')",
          "INSERT INTO steady VALUES (1, 1)",
          "CREATE PUBLICATION ddl FOR TABLE grows, shrinks, steady");
      String script = Pipelines.replicate(server.conninfo("ddl"), "ddl");
      String status =
          "SELECT status || ': ' || error FROM mzflink.mz_source_statuses WHERE \"table\" = ?";
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("ddl_results"), 1)) {
        Tables.awaitEqual(app, results, tables("grows", "shrinks", "steady"), CATCH_UP);
        Sql.execute(
            app,
            "ALTER TABLE grows ADD COLUMN extra text",
            "INSERT INTO grows VALUES (2, 2, 'new')",
            "INSERT INTO steady VALUES (2, 2)");
        Tables.awaitEqual(app, results, tables("steady"), CATCH_UP);
        Await.until(
            "grows to be errored",
            CATCH_UP,
            () ->
                Sql.strings(results, status.replace("?", "'\"public\".\"grows\"'"))
                    .equals(
                        List.of(
                            "errored: table \"public\".\"grows\" changed upstream: column(s) \"extra\" added. The table's changes"
                                + " are no longer replicated, and its results table and the views over it keep their rows from before the"
                                + " change, until the pipeline reads the table again with its new columns: mzflink run restarts itself from"
                                + " a savepoint to do so within seconds; any other pipeline does it when resumed from a savepoint"
                                + " (--from-savepoint). Once the change is undone upstream, mzflink refresh reads the table again")));

        Sql.execute(
            app,
            "ALTER TABLE shrinks DROP COLUMN gone",
            "UPDATE shrinks SET v = 2",
            "UPDATE steady SET v = 3");
        Tables.awaitEqual(app, results, tables("steady"), CATCH_UP);
        Await.until(
            "shrinks to be errored",
            CATCH_UP,
            () ->
                Sql.strings(results, status.replace("?", "'\"public\".\"shrinks\"'"))
                    .toString()
                    .contains(
                        "errored: table \"public\".\"shrinks\" changed upstream: column(s) \"gone\" dropped or renamed."));
        Await.until(
            "the source row to name both",
            CATCH_UP,
            () ->
                Sql.strings(results, status.replace("?", "''"))
                    .equals(
                        List.of(
                            "running: not replicating (errored): \"public\".\"grows\", \"public\".\"shrinks\"")));
        // Nothing of the changes after the schema changes was applied, and the job still runs.
        assertThat(Sql.strings(results, "SELECT id || ',' || v FROM grows")).containsExactly("1,1");
        assertThat(Sql.strings(results, "SELECT id || ',' || v || ',' || gone FROM shrinks"))
            .containsExactly("1,1,x");
        assertThat(pipeline.status()).isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);
      }
    }
  }

  @Test
  void savepointTakenBeforeATruncateResumesExactlyAfterIt() throws Exception {
    EmbeddedPostgresServer server = databases("resume");
    try (Connection app = server.connect("resume");
        Connection results = server.connect("resume_results")) {
      Sql.execute(
          app,
          "CREATE TABLE k (id int PRIMARY KEY, v int)",
          "CREATE TABLE l (v int)",
          "ALTER TABLE l REPLICA IDENTITY FULL",
          "INSERT INTO k SELECT g, g FROM generate_series(1, 300) g",
          "INSERT INTO l SELECT g % 5 FROM generate_series(1, 300) g",
          "CREATE PUBLICATION resume FOR TABLE k, l");
      String script = Pipelines.replicate(server.conninfo("resume"), "resume");
      List<String> all = tables("k", "l");
      String savepoint;
      try (RunningPipeline pipeline =
          Pipelines.start(script, server.jdbcUrl("resume_results"), 2)) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(app, "UPDATE k SET v = -v WHERE id < 10");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots"))
          .containsExactly("materialize_src");
      Sql.execute(
          app,
          "TRUNCATE k, l",
          "INSERT INTO k VALUES (1, 100)",
          "INSERT INTO l VALUES (9), (9)",
          "DELETE FROM l WHERE ctid = (SELECT ctid FROM l LIMIT 1)");
      try (RunningPipeline pipeline =
          Pipelines.start(script, server.jdbcUrl("resume_results"), 2, Optional.of(savepoint))) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(app, "INSERT INTO k VALUES (2, 200)");
        Tables.awaitEqual(app, results, all, CATCH_UP);
      }
      Await.until(
          "the slot to be dropped",
          Duration.ofSeconds(10),
          () -> Sql.strings(app, "SELECT slot_name FROM pg_replication_slots").isEmpty());
    }
  }

  @Test
  void tablesAddedToThePublicationAreSnapshottedWhenTheJobResumes() throws Exception {
    EmbeddedPostgresServer server = databases("grow");
    try (Connection app = server.connect("grow");
        Connection results = server.connect("grow_results")) {
      Sql.execute(
          app,
          "CREATE TABLE k (id int PRIMARY KEY, v int)",
          "CREATE TABLE l (v int)",
          "ALTER TABLE l REPLICA IDENTITY FULL",
          "CREATE TABLE m (id int PRIMARY KEY, v text)",
          "CREATE TABLE n (v int)",
          "ALTER TABLE n REPLICA IDENTITY FULL",
          "INSERT INTO k SELECT g, g FROM generate_series(1, 200) g",
          "INSERT INTO l SELECT g % 3 FROM generate_series(1, 200) g",
          "INSERT INTO m SELECT g, 'm' || g FROM generate_series(1, 200) g",
          "INSERT INTO n SELECT g % 4 FROM generate_series(1, 200) g",
          "CREATE PUBLICATION grow FOR TABLE k, l");
      String script = Pipelines.replicate(server.conninfo("grow"), "grow");
      String savepoint;
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("grow_results"), 2)) {
        Tables.awaitEqual(app, results, tables("k", "l"), CATCH_UP);
        // Added while running: read from the next start on, not live.
        Sql.execute(
            app,
            "ALTER PUBLICATION grow ADD TABLE m",
            "UPDATE m SET v = 'changed' WHERE id <= 10",
            "UPDATE k SET v = 0 WHERE id <= 10");
        Tables.awaitEqual(app, results, tables("k", "l"), CATCH_UP);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM pg_tables WHERE tablename = 'm'"))
            .isZero();
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      // Added while stopped, with changes to every table before the job resumes.
      Sql.execute(
          app,
          "ALTER PUBLICATION grow ADD TABLE n",
          "DELETE FROM n WHERE ctid = (SELECT ctid FROM n WHERE v = 1 LIMIT 1)",
          "DELETE FROM m WHERE id > 190",
          "UPDATE k SET v = -1 WHERE id > 190",
          "INSERT INTO l VALUES (7), (7)");
      List<String> all = tables("k", "l", "m", "n");
      try (RunningPipeline pipeline =
          Pipelines.start(script, server.jdbcUrl("grow_results"), 2, Optional.of(savepoint))) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(
            app,
            "UPDATE m SET v = NULL WHERE id % 5 = 0",
            "INSERT INTO n VALUES (1), (1)",
            "DELETE FROM k WHERE id < 5");
        Tables.awaitEqual(app, results, all, CATCH_UP);
      }
    }
  }

  /**
   * Views keep their join and aggregate state across a resume that adds tables to the pipeline (a
   * table added to the publication moves Flink's own operator ids); a resume whose view changed, or
   * with a view the savepoint does not have, is refused before anything is touched.
   */
  @Test
  void viewsKeepTheirStateWhenTheirPipelineResumesWithANewTable() throws Exception {
    EmbeddedPostgresServer server = databases("viewed");
    String totals = "SELECT g, sum(v) AS s, count(*) AS c FROM k GROUP BY g";
    String joined = "SELECT k.g, sum(l.q) AS q FROM k JOIN l ON l.k_id = k.id GROUP BY k.g";
    try (Connection app = server.connect("viewed");
        Connection results = server.connect("viewed_results")) {
      Sql.execute(
          app,
          "CREATE TABLE k (id int PRIMARY KEY, g int, v int)",
          "CREATE TABLE l (id int PRIMARY KEY, k_id int, q int)",
          "CREATE TABLE a (id int PRIMARY KEY, v text)",
          "INSERT INTO k SELECT i, i % 7, i FROM generate_series(1, 300) i",
          "INSERT INTO l SELECT i, i % 300 + 1, i % 11 FROM generate_series(1, 600) i",
          "INSERT INTO a SELECT i, 'a' || i FROM generate_series(1, 100) i",
          "CREATE PUBLICATION viewed FOR TABLE k, l",
          // PostgreSQL's answers, under the results tables' names.
          "CREATE VIEW totals AS " + totals,
          "CREATE VIEW joined AS " + joined);
      String script =
          Pipelines.replicate(server.conninfo("viewed"), "viewed")
              + "CREATE MATERIALIZED VIEW totals AS "
              + totals
              + ";\nCREATE MATERIALIZED VIEW joined AS "
              + joined
              + ";\n";
      String resultsUrl = server.jdbcUrl("viewed_results");
      List<String> before = tables("k", "l", "totals", "joined");
      String savepoint;
      try (RunningPipeline pipeline = Pipelines.start(script, resultsUrl, 2)) {
        Tables.awaitEqual(app, results, before, CATCH_UP);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      // Table a sorts before k and l: it moves their numbering in the job.
      Sql.execute(
          app,
          "ALTER PUBLICATION viewed ADD TABLE a",
          "UPDATE k SET v = v + 1000 WHERE id % 10 = 0",
          "DELETE FROM l WHERE id % 9 = 0",
          "UPDATE a SET v = 'changed' WHERE id <= 10");
      List<String> all = tables("a", "k", "l", "totals", "joined");
      try (RunningPipeline pipeline =
          Pipelines.start(script, resultsUrl, 2, Optional.of(savepoint))) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        Sql.execute(
            app,
            "INSERT INTO l SELECT i, i % 50 + 1, 5 FROM generate_series(601, 700) i",
            "UPDATE k SET g = 0 WHERE id < 20",
            "DELETE FROM a WHERE id > 90");
        Tables.awaitEqual(app, results, all, CATCH_UP);
        savepoint = pipeline.stopWithSavepoint(savepoints.toUri().toString());
      }
      String resumed = savepoint;
      long rows = Sql.longValue(results, "SELECT count(*) FROM totals");
      assertThatThrownBy(
              () ->
                  Pipelines.start(
                          script.replace("sum(v) AS s", "max(v) AS s"),
                          resultsUrl,
                          2,
                          Optional.of(resumed))
                      .close())
          .isInstanceOf(UserError.class)
          .hasMessageContaining(
              "results table computed otherwise than in the savepoint: \"public\".\"totals\"");
      assertThatThrownBy(
              () ->
                  Pipelines.start(
                          script
                              + "CREATE MATERIALIZED VIEW big AS SELECT id, v FROM k WHERE v > 100;\n",
                          resultsUrl,
                          2,
                          Optional.of(resumed))
                      .close())
          .isInstanceOf(UserError.class)
          .hasMessageContaining("materialized view not in the savepoint: \"public\".\"big\"");
      // Refused before anything was touched.
      assertThat(Sql.longValue(results, "SELECT count(*) FROM pg_tables WHERE tablename = 'big'"))
          .isZero();
      assertThat(Sql.longValue(results, "SELECT count(*) FROM totals")).isEqualTo(rows);
      // The unchanged script still resumes.
      Sql.execute(app, "UPDATE k SET v = -v WHERE id % 3 = 0");
      try (RunningPipeline pipeline =
          Pipelines.start(script, resultsUrl, 2, Optional.of(resumed))) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
      }
    }
  }

  @Test
  void aFreshRunReplacesWhatAnEarlierRunLeftEvenWhenItWritesNothing() throws Exception {
    EmbeddedPostgresServer server = databases("again");
    try (Connection app = server.connect("again");
        Connection results = server.connect("again_results")) {
      Sql.execute(
          app,
          "CREATE TABLE kept (id int PRIMARY KEY, v int)",
          "CREATE TABLE emptied (v int)",
          "ALTER TABLE emptied REPLICA IDENTITY FULL",
          "INSERT INTO kept SELECT g, g FROM generate_series(1, 100) g",
          "INSERT INTO emptied SELECT g FROM generate_series(1, 100) g",
          "CREATE PUBLICATION again FOR TABLE kept, emptied");
      String script = Pipelines.replicate(server.conninfo("again"), "again");
      List<String> all = tables("kept", "emptied");
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("again_results"), 2)) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
      }
      // While nothing runs, upstream changes and a stray row lands in a results table.
      Sql.execute(app, "DELETE FROM emptied", "UPDATE kept SET v = -v WHERE id < 50");
      Sql.execute(results, "INSERT INTO kept VALUES (1000, 1000)");
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("again_results"), 2)) {
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(Sql.longValue(results, "SELECT count(*) FROM emptied")).isZero();
      }
    }
  }
}
