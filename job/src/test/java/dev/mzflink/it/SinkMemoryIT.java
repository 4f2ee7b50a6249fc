package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JarProcess;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The results sink's memory does not grow with a checkpoint's size: {@code mzflink run} in a JVM of
 * 1 GB of heap replicates one upstream transaction of 2 GB (checkpoints fall only between upstream
 * transactions, so all of it belongs to one checkpoint). Under -Pfull: it takes minutes.
 */
@EnabledIfSystemProperty(named = "mzflink.full", matches = "true")
class SinkMemoryIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  /** 2,000,000 rows of about 1 kB: 2 GB of changes in one transaction. */
  private static final int ROWS = 2_000_000;

  @Test
  void aTwoGigabyteCheckpointFitsInAOneGigabyteHeap() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("big");
    server.createDatabase("big_results");
    Path script = work.resolve("big.sql");
    Files.writeString(
        script,
        "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
            + server.conninfo("big")
            + "' PUBLICATION 'big';\nCREATE VIEWS FROM SOURCE src;\n");
    try (Connection app = server.connect("big");
        Connection results = server.connect("big_results")) {
      Sql.execute(
          app,
          "CREATE TABLE wide (id bigint PRIMARY KEY, payload text NOT NULL)",
          "CREATE PUBLICATION big FOR TABLE wide");
      try (JarProcess run =
          JarProcess.start(
              work, "run", script.toString(), "--results-url", server.jdbcUrl("big_results"))) {
        Await.until(
            "the job to start", Duration.ofSeconds(120), () -> run.stdout().contains("Started"));
        Await.until(
            "the empty snapshot",
            Duration.ofSeconds(120),
            () ->
                Sql.longValue(
                        results,
                        "SELECT count(*) FROM mzflink.mz_source_statuses WHERE status = 'running'")
                    > 0);
        // One transaction of 2 GB (md5 keeps the text from compressing).
        Sql.execute(
            app,
            "INSERT INTO wide SELECT g, repeat(md5(g::text), 31) FROM generate_series(1, "
                + ROWS
                + ") g");
        assertThat(
                Sql.longValue(app, "SELECT pg_total_relation_size('wide')")
                    - Sql.longValue(app, "SELECT pg_indexes_size('wide')"))
            .as("bytes written upstream in one transaction")
            .isGreaterThan(2_000_000_000L);
        // 2 GB is over what one string can hold in PostgreSQL, so not the usual digest: the row
        // count and the sum of every row's 64-bit hash, on each side.
        String digest =
            "SELECT count(*) || '/' || coalesce(sum(hashtextextended(id || ':' || payload, 0)::numeric), 0)"
                + " FROM wide";
        String expected = Sql.strings(app, digest).get(0);
        Await.until(
            "the results table to hold the 2 GB transaction",
            Duration.ofMinutes(15),
            () -> {
              try {
                return Sql.strings(results, digest).get(0).equals(expected);
              } catch (java.sql.SQLException e) {
                return false; // the results table is not there yet
              }
            });
        assertThat(run.isAlive()).as(run.stderr()).isTrue();
        assertThat(run.stderr()).doesNotContain("OutOfMemoryError");
        run.interrupt();
        assertThat(run.waitFor(120)).as(run.stderr()).isZero();
      }
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }
}
