package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.ViewOracle;
import dev.mzflink.testing.Workload;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptance test of CREATE [MATERIALIZED] VIEW: a seeded random workload (inserts, updates
 * including key changes and NULLs, deletes, in transactions of varying size) over a shop of four
 * related tables, one without a primary key, while mzflink maintains views covering joins of every
 * kind, aggregates, DISTINCT, subqueries, UNION ALL, views on views and the scalar functions. After
 * each phase the writer stops, a marker row is written and awaited in the results database, and
 * every materialized view's results table is compared with PostgreSQL running the same SELECT
 * upstream: column names and types, then the rows as multisets (EXCEPT ALL both ways). A difference
 * fails with the rows and the seed.
 *
 * <p>{@code -Doracle.changes=N} sets the number of changes (default 20,000; {@code -Pfull} runs
 * 100,000), {@code -Doracle.seed=S} the seed, {@code -Doracle.phases=P} the phases.
 */
class ViewOracleIT {
  private static final Logger LOG = LoggerFactory.getLogger(ViewOracleIT.class);

  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @Test
  void everyMaterializedViewEqualsPostgresAnswerAfterEachPhase() throws Exception {
    long seed = Long.getLong("oracle.seed", 20241125L);
    int changes = Integer.getInteger("oracle.changes", 20_000);
    int phases = Integer.getInteger("oracle.phases", 3);
    long started = System.nanoTime();
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("shop");
    server.createDatabase("shop_results");
    try (Connection upstream = server.connect("shop");
        Connection results = server.connect("shop_results")) {
      Workload workload = new Workload(seed);
      workload.createSchema(upstream);
      workload.seed(upstream);
      ViewOracle oracle = new ViewOracle(ViewOracle.SHOP_VIEWS);
      oracle.createUpstreamViews(upstream);
      // Only the views are written to the results database; markers through a view of their own.
      String script =
          "CREATE SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("shop")
              + "' PUBLICATION 'oracle';\n"
              + "CREATE VIEWS FROM SOURCE src;\n"
              + "CREATE MATERIALIZED VIEW marker_rows AS SELECT id, note FROM markers;\n"
              + oracle.script();
      List<String> report = new ArrayList<>();
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("shop_results"), 1)) {
        awaitMarker(pipeline, upstream, results, 1);
        report.add(compare(oracle, upstream, results, seed, "after the snapshot"));
        int written = 0;
        for (int phase = 1; phase <= phases; phase++) {
          int target = changes * phase / phases;
          long phaseStart = System.nanoTime();
          int phaseChanges = workload.write(upstream, target - written);
          written += phaseChanges;
          LOG.info(
              "Phase {}: {} changes written in {} ms ({} in all)",
              phase,
              phaseChanges,
              (System.nanoTime() - phaseStart) / 1_000_000,
              written);
          awaitMarker(pipeline, upstream, results, phase + 1);
          report.add(
              compare(
                  oracle,
                  upstream,
                  results,
                  seed,
                  "after phase " + phase + " (" + written + " changes)"));
        }
        assertThat(written).isGreaterThanOrEqualTo(changes);
      }
      LOG.info(
          "View oracle: seed {}, {} changes, {} materialized views, {} s:\n{}",
          seed,
          changes,
          oracle.materializedViews().size(),
          (System.nanoTime() - started) / 1_000_000_000,
          String.join("\n", report));
      assertThat(Sql.strings(upstream, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  /**
   * Writes marker {@code id} upstream and waits until it is in the results database, for as long as
   * the pipeline makes progress: it fails when the job ends, or when no results batch is committed
   * for {@link #STALL} (a loaded 2-core machine may take many minutes for a phase of the full run,
   * but it commits every few checkpoints).
   */
  private static void awaitMarker(
      RunningPipeline pipeline, Connection upstream, Connection results, long id) throws Exception {
    Sql.execute(upstream, "INSERT INTO markers (id, note) VALUES (" + id + ", 'marker')");
    long lastProgress = System.nanoTime();
    String progress = progress(results);
    while (Sql.longValue(results, "SELECT count(*) FROM marker_rows WHERE id = " + id) == 0) {
      JobStatus status = pipeline.status();
      if (status.isGloballyTerminalState()) {
        throw new AssertionError("the job ended while waiting for marker " + id + ": " + status);
      }
      String now = progress(results);
      if (!now.equals(progress)) {
        progress = now;
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
        throw new AssertionError(
            "no results committed for " + STALL + " while waiting for marker " + id);
      }
      Thread.sleep(500);
    }
  }

  private static final Duration STALL = Duration.ofMinutes(3);

  /** The sinks' committed batches so far (mzflink's bookkeeping in the results database). */
  private static String progress(Connection results) throws SQLException {
    return Sql.strings(
            results, "SELECT coalesce(sum(sequence), 0)::text FROM mzflink.sink_progress")
        .get(0);
  }

  /**
   * Compares every materialized view until equal: sinks commit when a checkpoint completes, each on
   * its own, so the marker's may land a moment before another view's. Fails after a minute with the
   * differences.
   */
  private static String compare(
      ViewOracle oracle, Connection upstream, Connection results, long seed, String when)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> differences = oracle.differences(upstream, results);
    while (!differences.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      differences = oracle.differences(upstream, results);
    }
    if (!differences.isEmpty()) {
      throw new AssertionError(
          "views differ from PostgreSQL's answers "
              + when
              + " (seed "
              + seed
              + ", rerun with -Doracle.seed="
              + seed
              + "):\n"
              + String.join("\n", differences));
    }
    return when + ": " + oracle.rowCounts(results);
  }
}
