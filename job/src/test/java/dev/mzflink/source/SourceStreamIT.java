package dev.mzflink.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Loop;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The source's stream and snapshot under the conditions that broke earlier ways of reading:
 * transactions far larger than a checkpoint interval, a results database that holds the job back
 * for longer than {@code wal_sender_timeout}, writers that must not wait for the snapshot, and
 * schemas and tables whose names are LIKE patterns of each other. Each ends with the results equal
 * to upstream (EXCEPT ALL both ways).
 */
class SourceStreamIT {
  @RegisterExtension
  static final PostgresServerExtension POSTGRES =
      new PostgresServerExtension(Map.of("wal_sender_timeout", "10s"));

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  private static EmbeddedPostgresServer databases(String name) throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase(name);
    server.createDatabase(name + "_results");
    return server;
  }

  @Test
  void aTransactionOf200000RowsIsNeverSeenHalfApplied() throws Exception {
    EmbeddedPostgresServer server = databases("bigtx");
    try (Connection app = server.connect("bigtx");
        Connection results = server.connect("bigtx_results")) {
      Sql.execute(
          app,
          "CREATE TABLE events (id bigint PRIMARY KEY, v text)",
          "INSERT INTO events SELECT g, 'v' || g FROM generate_series(1, 1000) g",
          "CREATE PUBLICATION bigtx FOR TABLE events");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("bigtx"), "bigtx"),
              server.jdbcUrl("bigtx_results"),
              2)) {
        Tables.awaitEqual(app, results, List.of("events"), CATCH_UP);
        // Every count a reader of the results sees while the transaction is applied: checkpoints
        // come every 500 ms, the transaction takes longer than that to stream.
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        Loop watcher =
            Loop.start(
                "row counts",
                server,
                "bigtx_results",
                (c, i) -> {
                  seen.add(Sql.longValue(c, "SELECT count(*) FROM events"));
                  Thread.sleep(20);
                });
        Sql.execute(app, "INSERT INTO events SELECT g, 'big' FROM generate_series(1001, 201000) g");
        Tables.awaitEqual(app, results, List.of("events"), CATCH_UP);
        watcher.stop();
        assertThat(seen).as("row counts seen in the results database").containsOnly(1000L, 201000L);
      }
    }
  }

  @Test
  void aResultsDatabaseThatHoldsTheJobBackLongerThanWalSenderTimeoutKeepsTheStream()
      throws Exception {
    EmbeddedPostgresServer server = databases("held");
    try (Connection app = server.connect("held");
        Connection results = server.connect("held_results")) {
      Sql.execute(
          app,
          "CREATE TABLE items (id int PRIMARY KEY, v text)",
          "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 1000) g",
          "CREATE PUBLICATION held FOR TABLE items");
      assertThat(Sql.strings(app, "SHOW wal_sender_timeout")).containsExactly("10s");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("held"), "held"),
              server.jdbcUrl("held_results"),
              1)) {
        Tables.awaitEqual(app, results, List.of("items"), CATCH_UP);
        long walsender =
            Sql.longValue(
                app,
                "SELECT pid FROM pg_stat_replication WHERE application_name LIKE 'mzflink stream%'");
        // The sink cannot commit for 30 s: the job backs up to the source, which must keep the
        // replication connection alive while it waits.
        try (Connection locker = server.connect("held_results")) {
          locker.setAutoCommit(false);
          try (Statement s = locker.createStatement()) {
            s.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
          }
          for (int round = 0; round < 30; round++) {
            Sql.execute(
                app,
                "INSERT INTO items SELECT g, repeat('x', 500) FROM generate_series("
                    + (2000 + round * 2000)
                    + ", "
                    + (3999 + round * 2000)
                    + ") g");
            Thread.sleep(1000);
          }
          locker.rollback();
        }
        Tables.awaitEqual(app, results, List.of("items"), CATCH_UP);
        assertThat(
                Sql.longValue(
                    app,
                    "SELECT pid FROM pg_stat_replication WHERE application_name LIKE 'mzflink stream%'"))
            .as("the walsender that streamed before the sink was held back")
            .isEqualTo(walsender);
      }
    }
  }

  @Test
  void writersToAKeylessTableNeverWaitForItsSnapshot() throws Exception {
    EmbeddedPostgresServer server = databases("nowait");
    try (Connection app = server.connect("nowait");
        Connection results = server.connect("nowait_results")) {
      Sql.execute(
          app,
          "CREATE TABLE log (k int, v text)",
          "ALTER TABLE log REPLICA IDENTITY FULL",
          // An index (not a key) so the writer's statements take milliseconds, not a scan.
          "CREATE INDEX ON log (k)",
          "INSERT INTO log SELECT g % 1000, repeat('x', 100) FROM generate_series(1, 500000) g",
          "CREATE PUBLICATION nowait FOR TABLE log");
      try (Connection writer = server.connect("nowait");
          RunningPipeline pipeline =
              Pipelines.start(
                  Pipelines.replicate(server.conninfo("nowait"), "nowait"),
                  server.jdbcUrl("nowait_results"),
                  2)) {
        Await.until(
            "the snapshot to start",
            CATCH_UP,
            () ->
                Sql.longValue(
                        app,
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%' AND state = 'active'")
                    > 0);
        // Another session updates and deletes while the table is read: no lock makes it wait.
        // lock_timeout counts only time spent waiting for a lock (not the time a statement takes
        // on a loaded machine), so a lock the snapshot held would fail the statement.
        Sql.execute(writer, "SET lock_timeout = '200ms'");
        writer.setAutoCommit(false);
        try {
          Sql.execute(
              writer,
              "UPDATE log SET v = 'changed' WHERE k = 7",
              "DELETE FROM log WHERE k = 8",
              "INSERT INTO log VALUES (7, 'added')");
        } catch (SQLException e) {
          throw new AssertionError("the writer waited for a lock the snapshot holds", e);
        }
        // The writer's transaction still holds its locks: the snapshot keeps reading beside it
        // (a range COPY running, not waiting for a lock), so the two overlapped and neither
        // waited. The snapshot reads ranges one after the other, each by its own COPY, so between
        // two ranges no COPY runs; the wait is for the next one.
        Await.until(
            "a COPY of the snapshot running beside the writer's open transaction",
            CATCH_UP,
            () ->
                Sql.longValue(
                        app,
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%log%'"
                            + " AND state = 'active' AND wait_event_type IS DISTINCT FROM 'Lock'")
                    > 0);
        writer.commit();
        Tables.awaitEqual(app, results, List.of("log"), CATCH_UP);
      }
    }
  }

  @Test
  void namesThatAreLikePatternsOfOtherNamesReplicateExactly() throws Exception {
    EmbeddedPostgresServer server = databases("alike");
    try (Connection app = server.connect("alike");
        Connection results = server.connect("alike_results")) {
      // Two schemas whose names differ only where one has "_" (a LIKE wildcard), each with a
      // table of the same name and other columns; a table whose name has "%"; only one of each
      // look-alike pair published.
      Sql.execute(
          app,
          "CREATE SCHEMA look_alike",
          "CREATE SCHEMA \"lookXalike\"",
          "CREATE TABLE look_alike.addr_ess (id int PRIMARY KEY, street text)",
          "CREATE TABLE \"lookXalike\".addr_ess (id int PRIMARY KEY, zip int, city text, extra bool)",
          "CREATE TABLE look_alike.\"addrXess\" (id int PRIMARY KEY, other text)",
          "CREATE TABLE \"pct%tbl\" (id int PRIMARY KEY, v text)",
          "CREATE TABLE \"pctXXtbl\" (id int PRIMARY KEY, w int)",
          "CREATE TABLE \"under_score\" (k text, v int)",
          "ALTER TABLE \"under_score\" REPLICA IDENTITY FULL",
          "CREATE TABLE \"underXscore\" (k text)",
          "INSERT INTO look_alike.addr_ess SELECT g, 'street ' || g FROM generate_series(1, 100) g",
          "INSERT INTO \"lookXalike\".addr_ess SELECT g, g, 'city', true FROM generate_series(1, 100) g",
          "INSERT INTO \"pct%tbl\" SELECT g, 'v' || g FROM generate_series(1, 100) g",
          "INSERT INTO \"under_score\" SELECT 'k' || (g % 10), g FROM generate_series(1, 100) g",
          "CREATE PUBLICATION alike FOR TABLE look_alike.addr_ess, \"pct%tbl\", \"under_score\"");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("alike")
              + "' PUBLICATION 'alike';\n"
              + "CREATE VIEWS FROM SOURCE src (\"look_alike\".\"addr_ess\" AS addr_ess,"
              + " \"public\".\"pct%tbl\", \"public\".\"under_score\");\n";
      List<String> compared = List.of("addr_ess", "\"pct%tbl\"", "under_score");
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("alike_results"), 2)) {
        Await.until(
            "the snapshot",
            CATCH_UP,
            () -> Sql.longValue(results, "SELECT count(*) FROM addr_ess") == 100);
        Sql.execute(
            app,
            "UPDATE look_alike.addr_ess SET street = 'renamed' WHERE id <= 10",
            "UPDATE \"lookXalike\".addr_ess SET city = 'other' WHERE id <= 10",
            "DELETE FROM look_alike.addr_ess WHERE id > 90",
            "INSERT INTO look_alike.addr_ess VALUES (1000, 'new')",
            "UPDATE \"pct%tbl\" SET v = 'changed' WHERE id % 3 = 0",
            "DELETE FROM \"pct%tbl\" WHERE id % 5 = 0",
            "INSERT INTO \"pctXXtbl\" VALUES (1, 1)",
            "UPDATE \"under_score\" SET v = -v WHERE k = 'k1'",
            "DELETE FROM \"under_score\" WHERE k = 'k2'",
            "INSERT INTO \"underXscore\" VALUES ('x')");
        try (Connection upstreamAsResults = server.connect("alike")) {
          // The results tables are named after the views; compare with the published tables.
          Sql.execute(
              upstreamAsResults, "CREATE VIEW addr_ess AS SELECT * FROM look_alike.addr_ess");
        }
        Tables.awaitEqual(app, results, compared, CATCH_UP);
      }
    }
  }
}
