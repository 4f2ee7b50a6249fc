package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.cli.Main;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.testing.ViewOracle;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * Results that never show part of an upstream transaction (issue 16): writers move money between
 * accounts upstream, each transfer one transaction that updates two accounts and adds a ledger row;
 * readers of the results database check, in every state they see, that the total is the constant,
 * that the per-branch view agrees with the accounts table, and that every balance is what the
 * ledger says. Then read-your-writes: a write, {@code pg_current_wal_lsn()} upstream, {@code
 * mzflink wait}, and the write is in the results.
 */
class ConsistencyIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final int ACCOUNTS = 200;
  private static final int BRANCHES = 8;
  private static final long OPENING = 1000;
  private static final long TOTAL = ACCOUNTS * OPENING;
  private static final int WRITERS = 2;
  private static final int TRANSFERS = 20_000;

  /**
   * One statement, so one snapshot of the results database: a row per broken invariant, with what
   * was seen.
   */
  private static final String VIOLATIONS =
      "SELECT 'total view: ' || count(*) || ' row(s), ' || coalesce(sum(total)::text, 'none') FROM total"
          + " HAVING count(*) <> 1 OR sum(total) IS DISTINCT FROM "
          + TOTAL
          + " UNION ALL SELECT 'sum of accounts ' || coalesce(sum(balance)::text, 'null') FROM accounts"
          + " HAVING sum(balance) IS DISTINCT FROM "
          + TOTAL
          + " UNION ALL SELECT 'branch ' || coalesce(b.branch, a.branch) || ': view ' || coalesce(b.balance::text, 'none')"
          + " || ', accounts ' || coalesce(a.balance::text, 'none')"
          + " FROM branch_totals b FULL JOIN (SELECT branch, sum(balance) AS balance FROM accounts GROUP BY branch) a"
          + " ON a.branch = b.branch WHERE b.balance IS DISTINCT FROM a.balance"
          + " UNION ALL SELECT 'account ' || a.id || ': balance ' || a.balance || ', ledger says '"
          + " || ("
          + OPENING
          + " + coalesce(l.net, 0)) FROM accounts a LEFT JOIN (SELECT account, sum(delta) AS net FROM"
          + " (SELECT from_id AS account, -amount AS delta FROM ledger UNION ALL SELECT to_id, amount FROM ledger) d"
          + " GROUP BY account) l ON l.account = a.id WHERE a.balance <> "
          + OPENING
          + " + coalesce(l.net, 0)"
          + " UNION ALL SELECT 'account ' || a.id || ': balance ' || a.balance || ', moved view says '"
          + " || ("
          + OPENING
          + " + coalesce(m.net, 0)) FROM accounts a LEFT JOIN moved m ON m.account = a.id WHERE a.balance <> "
          + OPENING
          + " + coalesce(m.net, 0)";

  @Test
  void readersNeverSeeHalfATransferAndWaitGivesReadYourWrites() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("bank");
    server.createDatabase("bank_results");
    try (Connection app = server.connect("bank");
        Connection results = server.connect("bank_results")) {
      Sql.execute(
          app,
          "CREATE TABLE accounts (id int PRIMARY KEY, branch text NOT NULL, balance bigint NOT NULL)",
          "CREATE TABLE ledger (id bigserial PRIMARY KEY, from_id int NOT NULL, to_id int NOT NULL, amount bigint NOT NULL)",
          "INSERT INTO accounts SELECT g, 'branch ' || (g % "
              + BRANCHES
              + "), "
              + OPENING
              + " FROM generate_series(1, "
              + ACCOUNTS
              + ") g",
          "CREATE PUBLICATION bank FOR TABLE accounts, ledger");
      String script =
          "CREATE MATERIALIZED SOURCE bank FROM POSTGRES HOST '"
              + server.conninfo("bank")
              + "' PUBLICATION 'bank';\n"
              + "CREATE VIEWS FROM SOURCE bank;\n"
              + "CREATE MATERIALIZED VIEW total AS SELECT count(*) AS accounts, sum(balance) AS total FROM accounts;\n"
              + "CREATE MATERIALIZED VIEW branch_totals AS SELECT branch, sum(balance) AS balance FROM accounts GROUP BY branch;\n"
              + "CREATE MATERIALIZED VIEW moved AS SELECT account, sum(delta) AS net FROM"
              + " (SELECT from_id AS account, -amount AS delta FROM ledger"
              + " UNION ALL SELECT to_id AS account, amount AS delta FROM ledger) d GROUP BY account;\n";
      ViewOracle oracle = new ViewOracle(ViewOracle.definitions(script));
      oracle.createUpstreamViews(app);
      String resultsUrl = server.jdbcUrl("bank_results");
      try (RunningPipeline pipeline = Pipelines.start(script, resultsUrl, 2)) {
        Await.until(
            "the snapshot in the results",
            Duration.ofSeconds(120),
            () -> {
              try {
                return Sql.longValue(results, "SELECT coalesce(sum(total), 0) FROM total") == TOTAL
                    && Sql.longValue(results, "SELECT count(*) FROM accounts") == ACCOUNTS;
              } catch (SQLException e) {
                return false; // not created yet
              }
            });

        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong observations = new AtomicLong();
        AtomicLong violations = new AtomicLong();
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        Set<Long> ledgerSizes = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int r = 0; r < 2; r++) {
          threads.add(
              thread(
                  failures,
                  () -> {
                    try (Connection reader = server.connect("bank_results");
                        Statement s = reader.createStatement()) {
                      while (loading.get()) {
                        try (ResultSet rows = s.executeQuery(VIOLATIONS)) {
                          while (rows.next()) {
                            if (violations.incrementAndGet() <= 20) {
                              seen.add(rows.getString(1));
                            }
                          }
                        }
                        ledgerSizes.add(Sql.longValue(reader, "SELECT count(*) FROM ledger"));
                        observations.incrementAndGet();
                      }
                    }
                  }));
        }
        AtomicLong transfers = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          long seed = w;
          writers.add(
              thread(
                  failures,
                  () -> {
                    Random random = new Random(seed);
                    try (Connection writer = server.connect("bank")) {
                      for (int i = 0; i < TRANSFERS / WRITERS; i++) {
                        transfer(writer, random);
                        transfers.incrementAndGet();
                      }
                    }
                  }));
        }
        threads.addAll(writers);
        threads.forEach(Thread::start);
        for (Thread writer : writers) {
          writer.join();
        }
        Tables.awaitEqual(app, results, List.of("accounts", "ledger"), Duration.ofSeconds(180));
        loading.set(false);
        for (Thread t : threads) {
          t.join();
        }
        assertThat(failures).isEmpty();
        System.out.printf(
            "consistency: %,d transfers, %,d reader observations of %,d distinct ledger sizes,"
                + " %,d violations%n",
            transfers.get(), observations.get(), ledgerSizes.size(), violations.get());
        assertThat(seen).as("states of the results breaking an invariant (the first 20)").isEmpty();
        assertThat(violations.get()).isZero();
        assertThat(transfers.get()).isEqualTo(TRANSFERS);
        // The readers saw the results change under them, many times.
        assertThat(ledgerSizes.size()).isGreaterThan(20);
        oracle.awaitEqual(app, results, Duration.ofSeconds(60), "after the transfers");

        // Read-your-writes: once wait returns, the write is in the results.
        Random random = new Random(7);
        for (int i = 0; i < 10; i++) {
          long id = transfer(app, random);
          String lsn = Sql.strings(app, "SELECT pg_current_wal_lsn()::text").get(0);
          Outcome waited =
              mzflink(
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
          assertThat(Sql.longValue(results, "SELECT count(*) FROM ledger WHERE id = " + id))
              .as("transfer %d in the results once wait returned (%s)", id, waited)
              .isEqualTo(1);
          assertThat(Sql.strings(results, VIOLATIONS)).isEmpty();
        }
        String applied =
            Sql.strings(
                    results,
                    "SELECT applied_lsn::text FROM mzflink.mz_source_statuses WHERE source = '\"public\".\"bank\"' AND \"table\" = ''")
                .get(0);
        String later = Sql.strings(app, "SELECT (pg_current_wal_lsn() + 1000000)::text").get(0);
        Outcome timedOut =
            mzflink(
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

  @Test
  void waitRefusesWhatItCannotWaitFor() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("nobank_results");
    String url = server.jdbcUrl("nobank_results");
    Outcome badLsn =
        mzflink(
            "wait", "--results-url", url, "--source", "s", "--lsn", "16B3748", "--timeout", "1s");
    assertThat(badLsn.code()).isEqualTo(1);
    assertThat(badLsn.err()).contains("invalid --lsn \"16B3748\"");
    Outcome unknown =
        mzflink(
            "wait", "--results-url", url, "--source", "s", "--lsn", "0/0", "--timeout", "200ms");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err())
        .contains("do not reflect source \"public\".\"s\" up to 0/0")
        .contains("no status of source");
  }

  /** One transfer in one transaction (accounts locked in id order); returns its ledger id. */
  private static long transfer(Connection c, Random random) throws SQLException {
    int from = 1 + random.nextInt(ACCOUNTS);
    int to = 1 + random.nextInt(ACCOUNTS - 1);
    if (to >= from) {
      to++;
    }
    long amount = 1 + random.nextInt(50);
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      int first = Math.min(from, to);
      int second = Math.max(from, to);
      for (int id : new int[] {first, second}) {
        long delta = id == from ? -amount : amount;
        s.executeUpdate("UPDATE accounts SET balance = balance + " + delta + " WHERE id = " + id);
      }
      long id;
      try (ResultSet r =
          s.executeQuery(
              "INSERT INTO ledger (from_id, to_id, amount) VALUES ("
                  + from
                  + ", "
                  + to
                  + ", "
                  + amount
                  + ") RETURNING id")) {
        r.next();
        id = r.getLong(1);
      }
      c.commit();
      return id;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  private interface Body {
    void run() throws Exception;
  }

  private static Thread thread(ConcurrentLinkedQueue<Throwable> failures, Body body) {
    return new Thread(
        () -> {
          try {
            body.run();
          } catch (Throwable e) {
            failures.add(e);
          }
        });
  }

  private record Outcome(int code, String out, String err) {}

  private static Outcome mzflink(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Outcome(code, out.toString(), err.toString());
  }
}
