package dev.mzflink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.Failpoints;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JobStatusWatch;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.testing.UpstreamWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The results sink under failure, with writes going on upstream throughout, at parallelism 2 (two
 * writer subtasks per results table) and a results database of its own, PostgreSQL 14 (no MERGE:
 * the DELETE and INSERT ... ON CONFLICT path). Each case ends with every results table equal to
 * upstream (EXCEPT ALL both ways): nothing lost, nothing doubled.
 */
class ResultsSinkIT {
  @RegisterExtension static final PostgresServerExtension UPSTREAM = new PostgresServerExtension();

  @RegisterExtension
  static final PostgresServerExtension RESULTS = new PostgresServerExtension(Map.of(), 14);

  private static final List<String> TABLES = List.of("accounts", "ledger");
  private static final Duration CATCH_UP = Duration.ofSeconds(180);
  private static final AtomicInteger DATABASES = new AtomicInteger();

  /**
   * The job fails between a checkpoint's staging and its completion (the staged rows belong to no
   * checkpoint), between its completion and its commit (the restored job commits it), and inside
   * the commit's transaction (rolled back, committed again): each restarts automatically and
   * converges.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {Failpoints.SINK_STAGED, Failpoints.SINK_COMPLETED, Failpoints.SINK_INSIDE_COMMIT})
  void aFailureAroundACheckpointsCommitLosesAndDoublesNothing(String failpoint) throws Exception {
    String database = newDatabases();
    try (Connection app = UPSTREAM.server().connect(database);
        Connection results = RESULTS.server().connect(database)) {
      Failpoints.arm(failpoint);
      try (UpstreamWriter writer = UpstreamWriter.start(jdbcUrl(database), 20_000, 11);
          RunningPipeline pipeline = start(database)) {
        Await.until(
            "fail point " + failpoint + " to fire", CATCH_UP, () -> Failpoints.fired(failpoint));
        Thread.sleep(3000);
        writer.pause();
        Tables.awaitEqual(app, results, TABLES, CATCH_UP);
        assertThat(writer.transactions()).isPositive();
        assertThat(stagedRows(results)).as("rows left in the staging tables").isZero();
        assertThat(
                Sql.longValue(
                    results,
                    "SELECT count(DISTINCT subtask) FROM "
                        + ResultsTables.PROGRESS_TABLE
                        + " WHERE sink = '\"public\".\"accounts\"'"))
            .as("writer subtasks of one table that committed")
            .isEqualTo(2);
      } finally {
        Failpoints.disarm(failpoint);
      }
    }
  }

  /**
   * The results database crashes (immediate shutdown, recovery at start) while rows of completed
   * checkpoints are staged and not yet committed (a reader's lock holds the commit back): the
   * staged rows survive, the commit goes through once the database is back, and the job never
   * restarts.
   */
  @Test
  void aResultsDatabaseRestartedWhileRowsAreStagedLosesNothingAndTheJobGoesOn() throws Exception {
    String database = newDatabases();
    EmbeddedPostgresServer server = RESULTS.server();
    try (Connection app = UPSTREAM.server().connect(database);
        Connection results = server.connect(database);
        UpstreamWriter writer = UpstreamWriter.start(jdbcUrl(database), 20_000, 12);
        RunningPipeline pipeline = start(database);
        JobStatusWatch watch = JobStatusWatch.start(pipeline)) {
      Await.until(
          "the first snapshot",
          CATCH_UP,
          () -> Sql.longValue(results, "SELECT count(*) FROM accounts") > 0);
      try (Connection reader = server.connect(database)) {
        reader.setAutoCommit(false);
        Sql.execute(reader, "LOCK TABLE accounts IN SHARE MODE");
        Await.until("rows staged behind the lock", CATCH_UP, () -> stagedRows(results) > 1000);
        server.restart("immediate");
      } catch (java.sql.SQLException expected) {
        // the reader's connection died with the server
      }
      Thread.sleep(5000);
      writer.pause();
      try (Connection after = server.connect(database)) {
        Tables.awaitEqual(app, after, TABLES, CATCH_UP);
        assertThat(stagedRows(after)).as("rows left in the staging tables").isZero();
      }
      assertThat(watch.notRunning()).as("job states other than RUNNING").isEmpty();
    }
  }

  /**
   * The results database is down for two minutes while upstream writes go on: the sink waits and
   * retries, the job never restarts, the replication slot stays, and everything converges. Under
   * -Pfull (it takes three minutes; the restart above covers the same path in the default suite).
   */
  @Test
  @EnabledIfSystemProperty(named = "mzflink.full", matches = "true")
  void aResultsDatabaseDownForTwoMinutesUnderLoadConverges() throws Exception {
    String database = newDatabases();
    EmbeddedPostgresServer server = RESULTS.server();
    try (Connection app = UPSTREAM.server().connect(database);
        UpstreamWriter writer = UpstreamWriter.start(jdbcUrl(database), 20_000, 13);
        RunningPipeline pipeline = start(database);
        JobStatusWatch watch = JobStatusWatch.start(pipeline)) {
      try (Connection results = server.connect(database)) {
        Await.until(
            "the first snapshot",
            CATCH_UP,
            () -> Sql.longValue(results, "SELECT count(*) FROM accounts") > 0);
      }
      long before = writer.transactions();
      server.restart("immediate", Duration.ofMinutes(2));
      assertThat(writer.transactions())
          .as("upstream transactions during the outage")
          .isGreaterThan(before + 100);
      Thread.sleep(5000);
      writer.pause();
      try (Connection results = server.connect(database)) {
        Tables.awaitEqual(app, results, TABLES, CATCH_UP);
      }
      assertThat(watch.notRunning()).as("job states other than RUNNING").isEmpty();
      assertThat(
              Sql.longValue(
                  app,
                  "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '"
                      + pipeline.slotNames().get(0)
                      + "'"))
          .as("the source's slot, still read")
          .isEqualTo(1);
    }
  }

  /**
   * The stall watchdog: a reader's lock holds the commit of completed checkpoints back (the results
   * database is reachable, the status table writable): within the stall time the sources' status
   * says stalled and why, and running again once the lock is gone.
   */
  @Test
  void aCommitHeldBackLongerThanTheStallTimeShowsStalledInTheStatusTable() throws Exception {
    String database = newDatabases();
    try (Connection app = UPSTREAM.server().connect(database);
        Connection results = RESULTS.server().connect(database);
        UpstreamWriter writer = UpstreamWriter.start(jdbcUrl(database), 20_000, 14);
        RunningPipeline pipeline = start(database, STALL_AFTER)) {
      awaitStatus(results, "running", CATCH_UP);
      long locked;
      try (Connection reader = RESULTS.server().connect(database)) {
        reader.setAutoCommit(false);
        Sql.execute(reader, "LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE");
        locked = System.nanoTime();
        String error = awaitStatus(results, "stalled", STALL_AFTER.plusSeconds(30));
        assertThat(Duration.ofNanos(System.nanoTime() - locked))
            .as("time from the lock to the stalled status")
            .isLessThan(STALL_AFTER.plusSeconds(20));
        assertThat(error).contains("its results are not committed yet");
        reader.rollback();
      }
      awaitStatus(results, "running", CATCH_UP);
      writer.pause();
      Tables.awaitEqual(app, results, TABLES, CATCH_UP);
    }
  }

  /**
   * The stall watchdog: a results writer held at a checkpoint (its staging table locked) keeps
   * every checkpoint from completing: the status names the writer's table.
   */
  @Test
  void aWriterHeldAtACheckpointIsNamedInTheStalledStatus() throws Exception {
    String database = newDatabases();
    try (Connection app = UPSTREAM.server().connect(database);
        Connection results = RESULTS.server().connect(database);
        UpstreamWriter writer = UpstreamWriter.start(jdbcUrl(database), 20_000, 15);
        RunningPipeline pipeline = start(database, STALL_AFTER)) {
      awaitStatus(results, "running", CATCH_UP);
      try (Connection reader = RESULTS.server().connect(database)) {
        reader.setAutoCommit(false);
        Sql.execute(
            reader,
            "LOCK TABLE "
                + ResultsTableSpec.stagingTable("\"public\".\"ledger\"")
                + " IN ACCESS EXCLUSIVE MODE");
        String error = awaitStatus(results, "stalled", STALL_AFTER.plusSeconds(40));
        assertThat(error)
            .contains("no checkpoint completed for")
            .contains("waits for the results writers of \"public\".\"ledger\"");
        reader.rollback();
      }
      awaitStatus(results, "running", CATCH_UP);
      writer.pause();
      Tables.awaitEqual(app, results, TABLES, CATCH_UP);
    }
  }

  private static final Duration STALL_AFTER = Duration.ofSeconds(5);

  /** Waits until the source's status row says {@code status}; returns its error text. */
  private static String awaitStatus(Connection results, String status, Duration timeout)
      throws Exception {
    String query =
        "SELECT count(*) FROM mzflink.mz_source_statuses WHERE \"table\" = '' AND status = '"
            + status
            + "'";
    Await.until(
        "the source's status to be " + status,
        timeout,
        () -> {
          try {
            return Sql.longValue(results, query) > 0;
          } catch (java.sql.SQLException e) {
            return false; // the status table is not there yet
          }
        });
    return Sql.strings(
            results,
            "SELECT coalesce(error, '') FROM mzflink.mz_source_statuses WHERE \"table\" = ''")
        .get(0);
  }

  private static String newDatabases() throws Exception {
    String database = "sink" + DATABASES.incrementAndGet();
    UPSTREAM.server().createDatabase(database);
    RESULTS.server().createDatabase(database);
    try (Connection app = UPSTREAM.server().connect(database)) {
      Sql.execute(app, UpstreamWriter.schema(database, 20_000));
    }
    return database;
  }

  private static String jdbcUrl(String database) {
    return UPSTREAM.server().jdbcUrl(database);
  }

  private static RunningPipeline start(String database, Duration stallAfter) {
    return Pipelines.start(
        Pipelines.replicate(UPSTREAM.server().conninfo(database), database),
        RESULTS.server().jdbcUrl(database),
        2,
        options -> options.withStallAfter(java.util.Optional.of(stallAfter)));
  }

  private static RunningPipeline start(String database) {
    return Pipelines.start(
        Pipelines.replicate(UPSTREAM.server().conninfo(database), database),
        RESULTS.server().jdbcUrl(database),
        2);
  }

  /** Rows in the staging tables of the results tables compared. */
  private static long stagedRows(Connection results) throws Exception {
    long rows = 0;
    for (String table : TABLES) {
      String staging = ResultsTableSpec.stagingTable("\"public\".\"" + table + "\"");
      if (Sql.longValue(
              results, "SELECT count(*) FROM to_regclass('" + staging + "') r WHERE r IS NOT NULL")
          > 0) {
        rows += Sql.longValue(results, "SELECT count(*) FROM " + staging);
      }
    }
    return rows;
  }
}
