package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.PublicationFollower;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Loop;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Scripts;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.SourceReading;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A running pipeline follows its publication: a table added to it while a writer keeps another
 * table busy is snapshotted and handed over by a restart from a savepoint, the views keep their
 * state, and the busy table's results stay fresh.
 */
class PublicationFollowIT {
  @RegisterExtension
  static final PostgresServerExtension POSTGRES =
      new PostgresServerExtension(Map.of("max_replication_slots", "10", "max_wal_senders", "10"));

  private static final Duration CATCH_UP = Duration.ofSeconds(90);

  private static final String TOTALS =
      "SELECT id % 5 AS g, sum(n) AS s, count(*) AS c FROM busy GROUP BY id % 5";

  @Test
  void aTableAddedToThePublicationIsReadWhileAnotherStaysFresh() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("follow");
    server.createDatabase("follow_results");
    try (Connection app = server.connect("follow");
        Connection results = server.connect("follow_results")) {
      Sql.execute(
          app,
          "CREATE TABLE busy (id int PRIMARY KEY, n int NOT NULL, beat timestamptz)",
          "CREATE TABLE other (id int PRIMARY KEY, v text)",
          "CREATE TABLE added (id int PRIMARY KEY, v text, w int)",
          "INSERT INTO busy SELECT i, 0, clock_timestamp() FROM generate_series(1, 100) i",
          "INSERT INTO other SELECT i, 'o' || i FROM generate_series(1, 50) i",
          "INSERT INTO added SELECT i, 'a' || i, i % 13 FROM generate_series(1, 20000) i",
          "CREATE PUBLICATION follow FOR TABLE busy, other",
          "CREATE VIEW totals AS " + TOTALS);
      String url = server.jdbcUrl("follow_results");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("follow")
              + "' PUBLICATION 'follow';\nCREATE VIEWS FROM SOURCE src;\n"
              + "CREATE MATERIALIZED VIEW totals AS "
              + TOTALS
              + ";\n";
      Function<String, FlinkPlan> compile =
          text -> Scripts.compile(text, url, SourceReading.ONE_SLOT_PER_SOURCE).flinkPlan();
      FlinkPlan plan = compile.apply(script);
      RunOptions options =
          new RunOptions(
              url, Optional.empty(), Duration.ofMillis(500), 2, Optional.empty(), "test");
      List<String> said = new CopyOnWriteArrayList<>();
      List<String> before =
          List.of("\"public\".\"busy\"", "\"public\".\"other\"", "\"public\".\"totals\"");
      List<String> all =
          List.of(
              "\"public\".\"added\"",
              "\"public\".\"busy\"",
              "\"public\".\"other\"",
              "\"public\".\"totals\"");
      AtomicLong worstLagMillis = new AtomicLong();
      try (RunningPipeline pipeline = PipelineRunner.start(plan, options);
          PublicationFollower follower =
              PublicationFollower.start(
                  pipeline, plan, options, script, compile, said::add, Duration.ofSeconds(1))) {
        Tables.awaitEqual(app, results, before, CATCH_UP);
        Loop writer =
            Loop.start(
                "writer",
                server,
                "follow",
                (w, i) -> {
                  Sql.execute(
                      w,
                      "UPDATE busy SET n = n + 1, beat = clock_timestamp() WHERE id = "
                          + (i % 100 + 1));
                  Thread.sleep(20);
                });
        Thread.sleep(2000);
        // The results' newest beat against upstream's clock: how far behind the results are.
        Loop watch =
            Loop.start(
                "busy's lag",
                server,
                "follow_results",
                (r, i) -> {
                  long lag =
                      Sql.longValue(
                          r,
                          "SELECT (extract(epoch FROM clock_timestamp() - max(beat)) * 1000)::bigint FROM busy");
                  worstLagMillis.accumulateAndGet(lag, Math::max);
                  Thread.sleep(100);
                });
        Thread.sleep(2000);
        Sql.execute(
            app,
            "ALTER PUBLICATION follow ADD TABLE added",
            "UPDATE added SET v = 'changed' WHERE id <= 100");
        awaitTable(results, "added");
        Tables.awaitEqual(app, results, List.of("\"public\".\"added\""), CATCH_UP);
        Sql.execute(
            app, "DELETE FROM added WHERE id > 19900", "UPDATE other SET v = NULL WHERE id < 5");
        Thread.sleep(3000);
        writer.stop();
        watch.stop();
        Tables.awaitEqual(app, results, all, CATCH_UP);
        assertThat(said)
            .anyMatch(
                m ->
                    m.startsWith(
                        "Tables added to the publication: \"public\".\"added\" of source"
                            + " \"public\".\"src\". Restarting the pipeline with them"));
        assertThat(said).anyMatch(m -> m.startsWith("Resumed from "));

        // Again: the resumed pipeline is followed as the first one was.
        Sql.execute(
            app,
            "CREATE TABLE later (id int PRIMARY KEY)",
            "INSERT INTO later SELECT generate_series(1, 10)",
            "ALTER PUBLICATION follow ADD TABLE later",
            "DELETE FROM later WHERE id = 1");
        awaitTable(results, "later");
        Tables.awaitEqual(app, results, List.of("\"public\".\"later\""), CATCH_UP);
        Tables.awaitEqual(app, results, all, CATCH_UP);
      }
      System.out.println(
          "worst lag of busy's results: " + worstLagMillis.get() + " ms; said: " + said);
      assertThat(worstLagMillis.get())
          .as("busy's results behind upstream at worst (ms)")
          .isLessThan(5000);
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  /** A table created in a FOR ALL TABLES publication's database is read from then on. */
  @Test
  void aTableCreatedUnderAForAllTablesPublicationIsRead() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("everything");
    server.createDatabase("everything_results");
    try (Connection app = server.connect("everything");
        Connection results = server.connect("everything_results")) {
      Sql.execute(
          app,
          "CREATE TABLE first (id int PRIMARY KEY, v text)",
          "INSERT INTO first SELECT i, 'f' || i FROM generate_series(1, 100) i",
          "CREATE PUBLICATION everything FOR ALL TABLES");
      String url = server.jdbcUrl("everything_results");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("everything")
              + "' PUBLICATION 'everything';\nCREATE VIEWS FROM SOURCE src;\n";
      Function<String, FlinkPlan> compile =
          text -> Scripts.compile(text, url, SourceReading.ONE_SLOT_PER_SOURCE).flinkPlan();
      FlinkPlan plan = compile.apply(script);
      RunOptions options =
          new RunOptions(
              url, Optional.empty(), Duration.ofMillis(500), 1, Optional.empty(), "test");
      List<String> said = new CopyOnWriteArrayList<>();
      try (RunningPipeline pipeline = PipelineRunner.start(plan, options);
          PublicationFollower follower =
              PublicationFollower.start(
                  pipeline, plan, options, script, compile, said::add, Duration.ofMillis(500))) {
        Tables.awaitEqual(app, results, List.of("\"public\".\"first\""), CATCH_UP);
        Sql.execute(
            app,
            "CREATE TABLE second (id int PRIMARY KEY, w int)",
            "INSERT INTO second SELECT i, i * 2 FROM generate_series(1, 300) i",
            "ALTER TABLE second REPLICA IDENTITY FULL");
        awaitTable(results, "second");
        Sql.execute(
            app, "UPDATE second SET w = 0 WHERE id > 250", "DELETE FROM first WHERE id < 5");
        Tables.awaitEqual(
            app, results, List.of("\"public\".\"first\"", "\"public\".\"second\""), CATCH_UP);
        assertThat(said).anyMatch(m -> m.startsWith("Resumed from "));
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  /**
   * A table added while the first snapshot is read waits for it: a restart then would make the
   * resumed source read that snapshot again from its start.
   */
  @Test
  void aTableAddedDuringTheFirstSnapshotWaitsForIt() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("early");
    server.createDatabase("early_results");
    try (Connection app = server.connect("early");
        Connection results = server.connect("early_results")) {
      Sql.execute(
          app,
          "CREATE TABLE big (id int PRIMARY KEY, v text)",
          "CREATE TABLE newer (id int PRIMARY KEY)",
          "INSERT INTO big SELECT i, md5(i::text) FROM generate_series(1, 300000) i",
          "INSERT INTO newer SELECT generate_series(1, 10)",
          "CREATE PUBLICATION early FOR TABLE big");
      String url = server.jdbcUrl("early_results");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("early")
              + "' PUBLICATION 'early';\nCREATE VIEWS FROM SOURCE src;\n";
      Function<String, FlinkPlan> compile =
          text -> Scripts.compile(text, url, SourceReading.ONE_SLOT_PER_SOURCE).flinkPlan();
      FlinkPlan plan = compile.apply(script);
      RunOptions options =
          new RunOptions(
              url, Optional.empty(), Duration.ofMillis(500), 1, Optional.empty(), "test");
      List<String> said = new CopyOnWriteArrayList<>();
      List<String> bigWhenRestarted = new CopyOnWriteArrayList<>();
      try (Connection watch = server.connect("early_results");
          RunningPipeline pipeline = PipelineRunner.start(plan, options);
          PublicationFollower follower =
              PublicationFollower.start(
                  pipeline,
                  plan,
                  options,
                  script,
                  compile,
                  message -> {
                    if (message.startsWith("Tables added")) {
                      try {
                        bigWhenRestarted.addAll(
                            Sql.strings(
                                watch,
                                "SELECT status FROM mzflink.mz_source_statuses WHERE"
                                    + " \"table\" = '\"public\".\"big\"'"));
                      } catch (Exception e) {
                        bigWhenRestarted.add(e.toString());
                      }
                    }
                    said.add(message);
                  },
                  Duration.ofMillis(200))) {
        Sql.execute(app, "ALTER PUBLICATION early ADD TABLE newer");
        awaitTable(results, "newer");
        Sql.execute(app, "DELETE FROM newer WHERE id = 3", "UPDATE big SET v = 'x' WHERE id < 4");
        Tables.awaitEqual(
            app, results, List.of("\"public\".\"big\"", "\"public\".\"newer\""), CATCH_UP);
        assertThat(bigWhenRestarted)
            .as("big's status when the restart began")
            .containsExactly("running");
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  /**
   * A re-plan that cannot resume (here: a script that gained a materialized view, which a resume
   * refuses) resumes the running plan from the same savepoint, and is not tried again.
   */
  @Test
  void aReplanThatCannotResumeGoesOnWithThePlanItHad() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("refused");
    server.createDatabase("refused_results");
    try (Connection app = server.connect("refused");
        Connection results = server.connect("refused_results")) {
      Sql.execute(
          app,
          "CREATE TABLE kept (id int PRIMARY KEY, v int)",
          "CREATE TABLE newer (id int PRIMARY KEY)",
          "INSERT INTO kept SELECT i, i FROM generate_series(1, 100) i",
          "CREATE PUBLICATION refused FOR TABLE kept");
      String url = server.jdbcUrl("refused_results");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("refused")
              + "' PUBLICATION 'refused';\nCREATE VIEWS FROM SOURCE src;\n";
      FlinkPlan plan = Scripts.compile(script, url, SourceReading.ONE_SLOT_PER_SOURCE).flinkPlan();
      // The script as compiled again: one view more than the savepoint has.
      Function<String, FlinkPlan> compile =
          text ->
              Scripts.compile(
                      text + "CREATE MATERIALIZED VIEW big AS SELECT id FROM kept WHERE v > 50;\n",
                      url,
                      SourceReading.ONE_SLOT_PER_SOURCE)
                  .flinkPlan();
      RunOptions options =
          new RunOptions(
              url, Optional.empty(), Duration.ofMillis(500), 1, Optional.empty(), "test");
      List<String> said = new CopyOnWriteArrayList<>();
      try (RunningPipeline pipeline = PipelineRunner.start(plan, options);
          PublicationFollower follower =
              PublicationFollower.start(
                  pipeline, plan, options, script, compile, said::add, Duration.ofMillis(500))) {
        Tables.awaitEqual(app, results, List.of("\"public\".\"kept\""), CATCH_UP);
        Sql.execute(app, "ALTER PUBLICATION refused ADD TABLE newer");
        Await.until(
            "the follower to resume without the table",
            CATCH_UP,
            () -> said.stream().anyMatch(m -> m.contains("resuming as it was")));
        Thread.sleep(3000);
        Sql.execute(app, "UPDATE kept SET v = -v WHERE id < 20");
        Tables.awaitEqual(app, results, List.of("\"public\".\"kept\""), CATCH_UP);
        assertThat(said).hasSize(2);
        assertThat(said.get(1))
            .contains("materialized view not in the savepoint: \"public\".\"big\"");
        assertThat(pipeline.status().isGloballyTerminalState()).isFalse();
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  /** A table the script's CREATE VIEWS list does not name is reported once and left out. */
  @Test
  void aTableTheViewsListLeavesOutIsReportedOnce() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("listed");
    server.createDatabase("listed_results");
    try (Connection app = server.connect("listed");
        Connection results = server.connect("listed_results")) {
      Sql.execute(
          app,
          "CREATE TABLE named (id int PRIMARY KEY, v text)",
          "CREATE TABLE unnamed (id int PRIMARY KEY)",
          "INSERT INTO named SELECT i, 'n' || i FROM generate_series(1, 100) i",
          "INSERT INTO unnamed SELECT generate_series(1, 100)",
          "CREATE PUBLICATION listed FOR TABLE named");
      String url = server.jdbcUrl("listed_results");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("listed")
              + "' PUBLICATION 'listed';\nCREATE VIEWS FROM SOURCE src (\"public\".\"named\");\n";
      Function<String, FlinkPlan> compile =
          text -> Scripts.compile(text, url, SourceReading.ONE_SLOT_PER_SOURCE).flinkPlan();
      FlinkPlan plan = compile.apply(script);
      RunOptions options =
          new RunOptions(
              url, Optional.empty(), Duration.ofMillis(500), 1, Optional.empty(), "test");
      List<String> said = new CopyOnWriteArrayList<>();
      try (RunningPipeline pipeline = PipelineRunner.start(plan, options);
          PublicationFollower follower =
              PublicationFollower.start(
                  pipeline, plan, options, script, compile, said::add, Duration.ofMillis(500))) {
        Tables.awaitEqual(app, results, List.of("\"public\".\"named\""), CATCH_UP);
        Sql.execute(app, "ALTER PUBLICATION listed ADD TABLE unnamed");
        Await.until("the follower to report the table", CATCH_UP, () -> !said.isEmpty());
        // Several more looks: said once, and the job was not restarted.
        Thread.sleep(3000);
        Sql.execute(app, "UPDATE named SET v = 'changed' WHERE id < 10");
        Tables.awaitEqual(app, results, List.of("\"public\".\"named\""), CATCH_UP);
        assertThat(said)
            .containsExactly(
                "NOTICE: tables were added to a publication (\"public\".\"unnamed\"); the"
                    + " script's CREATE VIEWS lists the tables it reads, so they are left out.");
        assertThat(
                Sql.longValue(
                    results, "SELECT count(*) FROM pg_tables WHERE tablename = 'unnamed'"))
            .isZero();
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  private static void awaitTable(Connection results, String name) throws Exception {
    Await.until(
        "results table " + name + " created",
        CATCH_UP,
        () ->
            Sql.longValue(
                    results, "SELECT count(*) FROM pg_tables WHERE tablename = '" + name + "'")
                == 1);
  }
}
