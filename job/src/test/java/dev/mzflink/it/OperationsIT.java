package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JarProcess;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a DBA relies on: slots that do not pin WAL and a status anyone can read (which slots mzflink
 * drops: SlotOwnershipIT).
 */
class OperationsIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  /**
   * Retained WAL allowed for an idle source's slot: a few heartbeat intervals of busy writes
   * elsewhere.
   */
  static final long IDLE_BOUND_BYTES = 32L << 20;

  @Test
  void anIdleSourceKeepsItsSlotAdvancingWhileOtherDatabasesWrite() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("idle");
    server.createDatabase("idle_results");
    server.createDatabase("busy");
    try (Connection idle = server.connect("idle");
        Connection results = server.connect("idle_results");
        Connection busy = server.connect("busy")) {
      Sql.execute(
          idle,
          "CREATE TABLE t (id int PRIMARY KEY, v text)",
          "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g",
          "CREATE PUBLICATION idle FOR TABLE t");
      Sql.execute(busy, "CREATE TABLE junk (id bigserial PRIMARY KEY, pad text)");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("idle"), "idle"),
              server.jdbcUrl("idle_results"),
              1)) {
        Tables.awaitEqual(idle, results, List.of("\"public\".\"t\""), Duration.ofSeconds(90));
        long start = Sql.longValue(busy, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
        // Writes elsewhere until four times the bound went by, at the pace of a busy database.
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        long written = 0;
        while (written <= 4 * IDLE_BOUND_BYTES && System.nanoTime() < deadline) {
          Sql.execute(
              busy,
              "INSERT INTO junk (pad) SELECT repeat('x', 1000) FROM generate_series(1, 1000)",
              "DELETE FROM junk WHERE id % 2 = 0");
          Thread.sleep(100);
          written = Sql.longValue(busy, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn") - start;
        }
        long retained =
            Sql.longValue(
                idle,
                "SELECT pg_current_wal_lsn() - confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'materialize_src'");
        System.out.printf(
            "idle slot: %,d bytes of WAL written elsewhere, %,d retained by the slot%n",
            written, retained);
        assertThat(written)
            .as("WAL written by the busy database")
            .isGreaterThan(4 * IDLE_BOUND_BYTES);
        assertThat(retained).as("WAL the idle source's slot retains").isLessThan(IDLE_BOUND_BYTES);
      }
    }
  }

  @Test
  void theStatusTableFollowsTheSourceAndErrorsWhenItsSlotIsDroppedUnderTheJob() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("watched");
    server.createDatabase("watched_results");
    try (Connection app = server.connect("watched");
        Connection results = server.connect("watched_results")) {
      Sql.execute(
          app,
          "CREATE TABLE keyed (id int PRIMARY KEY, v text)",
          "CREATE TABLE keyless (v int)",
          "ALTER TABLE keyless REPLICA IDENTITY FULL",
          "INSERT INTO keyed SELECT g, 'v' || g FROM generate_series(1, 3000) g",
          "INSERT INTO keyless SELECT g FROM generate_series(1, 500) g",
          "ANALYZE keyed",
          "CREATE PUBLICATION watched FOR TABLE keyed, keyless");
      try (RunningPipeline pipeline =
          Pipelines.start(
              Pipelines.replicate(server.conninfo("watched"), "watched"),
              server.jdbcUrl("watched_results"),
              2)) {
        Tables.awaitEqual(
            app,
            results,
            List.of("\"public\".\"keyed\"", "\"public\".\"keyless\""),
            Duration.ofSeconds(90));
        Sql.execute(app, "UPDATE keyed SET v = 'changed' WHERE id < 10");
        List<String> running =
            List.of("=running", "\"public\".\"keyed\"=running", "\"public\".\"keyless\"=running");
        String statuses =
            "SELECT \"table\" || '=' || status || ' ' || coalesce(error, '') FROM mzflink.mz_source_statuses ORDER BY \"table\" COLLATE \"C\"";
        try {
          Await.until(
              "every status row to say running",
              Duration.ofSeconds(60),
              () ->
                  Sql.strings(
                          results,
                          "SELECT \"table\" || '=' || status FROM mzflink.mz_source_statuses ORDER BY \"table\" COLLATE \"C\"")
                      .equals(running));
        } catch (AssertionError e) {
          throw new AssertionError(
              e.getMessage() + ", the status table says " + Sql.strings(results, statuses), e);
        }
        assertThat(
                Sql.strings(
                    results,
                    "SELECT snapshot_rows || '/' || snapshot_rows_estimated || ' ' || slot FROM mzflink.mz_source_statuses WHERE \"table\" = '\"public\".\"keyed\"'"))
            .containsExactly("3000/3000 materialize_src");
        Await.until(
            "the update to be reported as the table's last change",
            Duration.ofSeconds(20),
            () ->
                Sql.longValue(
                        results,
                        "SELECT count(*) FROM mzflink.mz_source_statuses WHERE last_change_at IS NOT NULL AND retained_wal_bytes >= 0 AND \"table\" = '\"public\".\"keyed\"'")
                    == 1);

        try (JarProcess status =
            JarProcess.start(work, "status", "--results-url", server.jdbcUrl("watched_results"))) {
          assertThat(status.waitFor(60)).as(status.stderr()).isZero();
          assertThat(status.stdout())
              .contains("\"public\".\"src\"")
              .contains("\"public\".\"keyed\"")
              .contains("running")
              .contains("(3 rows)");
        }

        // Someone drops the slot under the running job.
        Await.until(
            "the slot to be dropped under the job",
            Duration.ofSeconds(30),
            () -> {
              Sql.strings(
                  app,
                  "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'materialize_src' AND active");
              try {
                Sql.strings(app, "SELECT pg_drop_replication_slot('materialize_src')");
                return true;
              } catch (java.sql.SQLException e) {
                return false;
              }
            });
        Sql.execute(app, "INSERT INTO keyed VALUES (5000, 'lost?')");
        assertThatThrownBy(pipeline::await)
            .hasStackTraceContaining(
                "replication slot materialize_src of source \"public\".\"src\"");
        assertThat(
                Sql.strings(
                    results,
                    "SELECT status || ': ' || error FROM mzflink.mz_source_statuses WHERE \"table\" = ''"))
            .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
            .startsWith("errored: replication slot materialize_src of source \"public\".\"src\"");
      } finally {
        Sql.strings(
            app,
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
      }
    }
  }
}
