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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mzflink run} as a user meets the source's failures: a run killed in the middle of its
 * snapshot and started again, and a job that fails for good, which ends run with one message naming
 * the source and the cause, also in the status table.
 */
class SourceCommandLineIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  private static Path script(String name, EmbeddedPostgresServer server, String database)
      throws Exception {
    Path path = work.resolve(name + ".sql");
    Files.writeString(
        path,
        "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
            + server.conninfo(database)
            + "' PUBLICATION '"
            + database
            + "';\nCREATE VIEWS FROM SOURCE src;\n");
    return path;
  }

  @Test
  void aRunKilledInTheMiddleOfItsSnapshotStartsAgainAndReplicatesExactly() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("killed");
    server.createDatabase("killed_results");
    Path script = script("killed", server, "killed");
    Path checkpoints = work.resolve("killed-checkpoints");
    try (Connection app = server.connect("killed");
        Connection results = server.connect("killed_results")) {
      Sql.execute(
          app,
          "CREATE TABLE big (id bigint PRIMARY KEY, a int, b text)",
          "INSERT INTO big SELECT g, g % 100, md5(g::text) FROM generate_series(1, 500000) g",
          "CREATE TABLE small (k text, v int)",
          "ALTER TABLE small REPLICA IDENTITY FULL",
          "INSERT INTO small SELECT 'k' || (g % 10), g FROM generate_series(1, 1000) g",
          "CREATE PUBLICATION killed FOR TABLE big, small");
      try (JarProcess first =
          JarProcess.start(
              work,
              "run",
              script.toString(),
              "--results-url",
              server.jdbcUrl("killed_results"),
              "--checkpoint-dir",
              checkpoints.toUri().toString())) {
        Await.until(
            "the snapshot to be under way",
            CATCH_UP,
            () ->
                Sql.longValue(
                        app,
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%big%' AND state = 'active'")
                    > 0);
        first.kill();
      }
      Await.until(
          "the killed run's slot to be let go",
          Duration.ofSeconds(30),
          () ->
              Sql.longValue(
                      app,
                      "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'materialize_src' AND NOT active")
                  == 1);
      // Nothing was checkpointed during the snapshot: there is nothing to resume from.
      try (JarProcess resume =
          JarProcess.start(
              work,
              "run",
              script.toString(),
              "--results-url",
              server.jdbcUrl("killed_results"),
              "--from-savepoint",
              checkpoints.toUri().toString())) {
        assertThat(resume.waitFor(120)).as(resume.stdout() + resume.stderr()).isEqualTo(1);
        assertThat(resume.stderr()).contains("error: no complete checkpoint or savepoint in ");
      }
      // Started again, the run takes the snapshot again from a new slot.
      try (JarProcess again =
          JarProcess.start(
              work, "run", script.toString(), "--results-url", server.jdbcUrl("killed_results"))) {
        Await.until(
            "the job to start", CATCH_UP, () -> again.stdout().contains("Started Flink job"));
        Sql.execute(
            app,
            "UPDATE big SET a = -a WHERE id % 1000 = 0",
            "DELETE FROM big WHERE id > 499000",
            "UPDATE small SET v = -v WHERE k = 'k1'");
        Tables.awaitEqual(app, results, List.of("big", "small"), Duration.ofSeconds(300));
        // A table added to the publication: run restarts the job with it, and its Ctrl-C still
        // stops the restarted job and drops the slot.
        Sql.execute(
            app,
            "CREATE TABLE late (id int PRIMARY KEY, v text)",
            "INSERT INTO late SELECT g, 'v' || g FROM generate_series(1, 500) g",
            "ALTER PUBLICATION killed ADD TABLE late");
        try {
          Await.until(
              "the job to be restarted with the table",
              CATCH_UP,
              () -> again.stdout().contains("Resumed from "));
        } catch (AssertionError e) {
          throw new AssertionError(
              e.getMessage()
                  + "\nstatus: "
                  + Sql.strings(
                      results, "SELECT \"table\" || ' ' || status FROM mzflink.mz_source_statuses")
                  + "\nstdout: "
                  + again.stdout()
                  + "\nstderr: "
                  + again.stderr(),
              e);
        }
        assertThat(again.stdout())
            .contains(
                "Tables added to the publication: \"public\".\"late\" of source"
                    + " \"public\".\"src\". Restarting the pipeline with them");
        Sql.execute(
            app, "DELETE FROM late WHERE id <= 10", "UPDATE small SET v = 0 WHERE k = 'k2'");
        Tables.awaitEqual(app, results, List.of("big", "small", "late"), CATCH_UP);
        again.interrupt();
        assertThat(again.waitFor(60)).as(again.stderr()).isZero();
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  @Test
  void aJobThatFailsForGoodEndsRunWithOneMessageNamingTheSourceAndTheCause() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("lost");
    server.createDatabase("lost_results");
    Path script = script("lost", server, "lost");
    try (Connection app = server.connect("lost");
        Connection results = server.connect("lost_results")) {
      Sql.execute(
          app,
          "CREATE TABLE t (id int PRIMARY KEY, v text)",
          "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g",
          "CREATE PUBLICATION lost FOR TABLE t");
      try (JarProcess run =
          JarProcess.start(
              work,
              "run",
              script.toString(),
              "--results-url",
              server.jdbcUrl("lost_results"),
              "--checkpoint-interval",
              "500ms")) {
        Await.until("the job to start", CATCH_UP, () -> run.stdout().contains("Started Flink job"));
        Tables.awaitEqual(app, results, List.of("t"), CATCH_UP);
        Thread.sleep(2000); // a checkpoint of the stream
        // Someone drops the slot under the running job.
        Await.until(
            "the slot to be dropped",
            Duration.ofSeconds(30),
            () -> {
              Sql.strings(
                  app,
                  "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'materialize_src' AND active");
              Sql.strings(
                  app,
                  "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'materialize_src' AND NOT active");
              return Sql.longValue(app, "SELECT count(*) FROM pg_replication_slots") == 0;
            });
        String cause =
            "replication slot materialize_src of source \"public\".\"src\" does not exist upstream:"
                + " it was dropped while the pipeline ran, and the changes since are gone. Start the"
                + " pipeline from scratch (without --from-savepoint) to snapshot the tables again";
        assertThat(run.waitFor(120)).as(run.stdout() + run.stderr()).isEqualTo(1);
        assertThat(run.stderr())
            .contains("error: the job failed: " + cause + "\n")
            .doesNotContain("internal error")
            .doesNotContain("\tat ");
        assertThat(
                Sql.strings(
                    results,
                    "SELECT status || ': ' || error FROM mzflink.mz_source_statuses WHERE \"table\" = ''"))
            .containsExactly("errored: " + cause);
      }
    }
  }
}
