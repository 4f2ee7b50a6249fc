package dev.mzflink.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.Failpoints;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.testing.UpstreamWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A failure at any moment of a source's life restarts the job automatically, and it catches up with
 * nothing lost or doubled: in the middle of the snapshot, right after it (before the first
 * checkpoint of the stream), in the first second of streaming, inside a large transaction, and in
 * steady state. Upstream writes go on throughout; each case ends with every results table equal to
 * upstream (EXCEPT ALL both ways).
 */
class SourceRecoveryIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final List<String> TABLES = List.of("accounts", "ledger");
  private static final Duration CATCH_UP = Duration.ofSeconds(120);
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @ParameterizedTest
  @ValueSource(
      strings = {
        Failpoints.INSIDE_SNAPSHOT,
        Failpoints.AFTER_SNAPSHOT,
        Failpoints.FIRST_TRANSACTION,
        Failpoints.INSIDE_TRANSACTION,
        Failpoints.STEADY_STATE
      })
  void aFailureAtAnyMomentRestartsTheJobWithNothingLostOrDoubled(String failpoint)
      throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    String database = "recovery" + DATABASES.incrementAndGet();
    server.createDatabase(database);
    server.createDatabase(database + "_results");
    try (Connection app = server.connect(database);
        Connection results = server.connect(database + "_results")) {
      Sql.execute(app, UpstreamWriter.schema(database, 20_000));
      Failpoints.arm(failpoint);
      try (UpstreamWriter writer = UpstreamWriter.start(server.jdbcUrl(database), 20_000, 7);
          RunningPipeline pipeline =
              Pipelines.start(
                  Pipelines.replicate(server.conninfo(database), database),
                  server.jdbcUrl(database + "_results"),
                  2)) {
        if (failpoint.equals(Failpoints.INSIDE_TRANSACTION)) {
          // One transaction of 50,000 changes; the job fails in the middle of emitting it.
          Await.until(
              "the first snapshot",
              CATCH_UP,
              () -> Sql.longValue(results, "SELECT count(*) FROM ledger") > 0);
          Sql.execute(
              app, "INSERT INTO ledger SELECT g % 500, 1, 'big' FROM generate_series(1, 50000) g");
        }
        Await.until(
            "fail point " + failpoint + " to fire", CATCH_UP, () -> Failpoints.fired(failpoint));
        Thread.sleep(3000);
        writer.pause();
        Tables.awaitEqual(app, results, TABLES, CATCH_UP);
        assertThat(writer.transactions()).isPositive();
      } finally {
        Failpoints.disarm(failpoint);
      }
    }
  }
}
