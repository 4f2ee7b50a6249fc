package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.CommandLines;
import dev.mzflink.testing.CommandLines.Outcome;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.testing.Transfers;
import dev.mzflink.testing.ViewOracle;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Results that never show part of an upstream transaction (issue 16): writers move money between
 * accounts upstream ({@link Transfers}), readers of the results database check every state they
 * see. Then read-your-writes: a write, {@code pg_current_wal_insert_lsn()} upstream, {@code mzflink
 * wait}, and the write is in the results.
 */
class ConsistencyIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final Transfers BANK = new Transfers(200);
  private static final int TRANSFERS = 20_000;

  @Test
  void readersNeverSeeHalfATransferAndWaitGivesReadYourWrites() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("bank");
    server.createDatabase("bank_results");
    try (Connection app = server.connect("bank");
        Connection results = server.connect("bank_results")) {
      Sql.execute(app, BANK.schema(8));
      Sql.execute(app, "CREATE PUBLICATION bank FOR TABLE balances, transfers");
      String script =
          "CREATE MATERIALIZED SOURCE bank FROM POSTGRES HOST '"
              + server.conninfo("bank")
              + "' PUBLICATION 'bank';\n"
              + "CREATE VIEWS FROM SOURCE bank;\n"
              + Transfers.views();
      ViewOracle oracle = new ViewOracle(ViewOracle.definitions(script));
      oracle.createUpstreamViews(app);
      String resultsUrl = server.jdbcUrl("bank_results");
      try (RunningPipeline pipeline = Pipelines.start(script, resultsUrl, 2)) {
        Await.until(
            "the snapshot in the results",
            Duration.ofSeconds(120),
            () -> {
              try {
                return Sql.strings(results, BANK.violationsQuery()).isEmpty();
              } catch (SQLException e) {
                return false; // not created yet
              }
            });
        Transfers.Readers readers = BANK.read(resultsUrl, 2);
        Transfers.Writers writers = BANK.write(server.jdbcUrl("bank"), 2, TRANSFERS);
        writers.awaitDone();
        Tables.awaitEqual(app, results, List.of("balances", "transfers"), Duration.ofSeconds(180));
        readers.close();
        System.out.printf("consistency: %,d transfers, %s%n", writers.done(), readers);
        assertThat(readers.examples())
            .as("states of the results breaking an invariant (the first 20)")
            .isEmpty();
        assertThat(readers.violations()).isZero();
        assertThat(readers.errors()).as("failed reads").isZero();
        assertThat(writers.done()).isEqualTo(TRANSFERS);
        // The readers saw the results change under them, many times.
        assertThat(readers.states()).isGreaterThan(20);
        oracle.awaitEqual(app, results, Duration.ofSeconds(60), "after the transfers");

        // Read-your-writes: once wait returns, the write is in the results.
        Random random = new Random(7);
        for (int i = 0; i < 10; i++) {
          long id = BANK.transfer(app, random);
          // Not pg_current_wal_lsn(): that is where WAL is written to, and with synchronous_commit
          // off (this server's default) it can lag the commit just made (seen here: 56 kB short).
          String lsn = Sql.strings(app, "SELECT pg_current_wal_insert_lsn()::text").get(0);
          Outcome waited =
              CommandLines.run(
                  "wait",
                  "--results-url",
                  resultsUrl,
                  "--source",
                  "bank",
                  "--lsn",
                  lsn,
                  "--timeout",
                  "60s");
          assertThat(waited.code()).as(waited.toString()).isZero();
          assertThat(Sql.longValue(results, "SELECT count(*) FROM transfers WHERE id = " + id))
              .as("transfer %d in the results once wait returned (%s)", id, waited)
              .isEqualTo(1);
          assertThat(Sql.strings(results, BANK.violationsQuery())).isEmpty();
        }
        // A write the source does not publish: the position still gets there (keepalives).
        Sql.execute(app, "CREATE TABLE unpublished (id int)", "INSERT INTO unpublished VALUES (1)");
        String elsewhere = Sql.strings(app, "SELECT pg_current_wal_insert_lsn()::text").get(0);
        Outcome idle =
            CommandLines.run(
                "wait",
                "--results-url",
                resultsUrl,
                "--source",
                "\"public\".\"bank\"",
                "--lsn",
                elsewhere,
                "--timeout",
                "60s");
        assertThat(idle.code()).as(idle.toString()).isZero();
        String applied =
            Sql.strings(
                    results,
                    "SELECT applied_lsn::text FROM mzflink.mz_source_statuses WHERE source = '\"public\".\"bank\"' AND \"table\" = ''")
                .get(0);
        String later =
            Sql.strings(app, "SELECT (pg_current_wal_insert_lsn() + 1000000)::text").get(0);
        Outcome timedOut =
            CommandLines.run(
                "wait",
                "--results-url",
                resultsUrl,
                "--source",
                "public.bank",
                "--lsn",
                later,
                "--timeout",
                "300ms");
        assertThat(timedOut.code()).as(timedOut.toString()).isEqualTo(1);
        assertThat(timedOut.err())
            .contains("do not reflect source \"public\".\"bank\" up to " + later);
        assertThat(applied).isNotEmpty();
      }
    }
  }

  /**
   * A snapshot is committed whole: while it is read the results database shows none of it (and no
   * applied position), then all of it.
   */
  @Test
  void theSnapshotAppearsWhole() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("whole");
    server.createDatabase("whole_results");
    int rows = 300_000;
    try (Connection app = server.connect("whole");
        Connection results = server.connect("whole_results")) {
      Sql.execute(
          app,
          "CREATE TABLE big (id int PRIMARY KEY, v int NOT NULL)",
          "INSERT INTO big SELECT g, g % 100 FROM generate_series(1, " + rows + ") g",
          "CREATE PUBLICATION whole FOR TABLE big");
      String script =
          Pipelines.replicate(server.conninfo("whole"), "whole")
              + "CREATE MATERIALIZED VIEW sums AS SELECT v, count(*) AS n FROM big GROUP BY v;\n";
      List<Long> seen = new java.util.ArrayList<>();
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("whole_results"), 2)) {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        long count = -1;
        while (count != rows && System.nanoTime() < deadline) {
          try {
            count =
                Sql.longValue(
                    results,
                    "SELECT (SELECT count(*) FROM big) + (SELECT coalesce(sum(n), 0) FROM sums)");
            if (seen.isEmpty() || seen.get(seen.size() - 1) != count) {
              seen.add(count);
            }
            count /= 2;
          } catch (SQLException e) {
            // the results tables are not created yet
          }
          Thread.sleep(20);
        }
        assertThat(seen)
            .as("rows of big and of the view in each state read")
            .containsExactly(0L, 2L * rows);
        assertThat(
                Sql.strings(
                    results,
                    "SELECT applied_lsn IS NOT NULL FROM mzflink.mz_source_statuses WHERE \"table\" = ''"))
            .containsExactly("t");
      }
    }
  }

  @Test
  void waitRefusesWhatItCannotWaitFor() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("nobank_results");
    String url = server.jdbcUrl("nobank_results");
    Outcome badLsn =
        CommandLines.run(
            "wait", "--results-url", url, "--source", "s", "--lsn", "16B3748", "--timeout", "1s");
    assertThat(badLsn.code()).isEqualTo(1);
    assertThat(badLsn.err()).contains("invalid --lsn \"16B3748\"");
    Outcome unknown =
        CommandLines.run(
            "wait", "--results-url", url, "--source", "s", "--lsn", "0/0", "--timeout", "200ms");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err())
        .contains("do not reflect source \"public\".\"s\" up to 0/0")
        .contains("no status of source");
  }
}
