package dev.mzflink.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Money moving between accounts upstream, and readers of the results database that check every
 * state they see (issue 16). Upstream: {@code balances (id, branch, balance)} and the ledger {@code
 * transfers (id, from_id, to_id, amount)}; each transfer is one transaction that updates two
 * balances and appends a ledger row. In the results: the two tables, a view of the total, one of
 * the per-branch totals and one of each account's net movement. In every state of a prefix of
 * upstream's transactions the total is the constant, the per-branch view agrees with the balances,
 * and every balance is its opening plus what the ledger (table and view) moved.
 */
public final class Transfers {
  public static final long OPENING = 1000;

  private final int accounts;

  public Transfers(int accounts) {
    this.accounts = accounts;
  }

  /** The tables and their opening rows, published by {@code publication} (created when given). */
  public String[] schema(int branches) {
    return new String[] {
      "CREATE TABLE balances (id int PRIMARY KEY, branch text NOT NULL, balance bigint NOT NULL)",
      "CREATE TABLE transfers (id bigserial PRIMARY KEY, from_id int NOT NULL, to_id int NOT NULL, amount bigint NOT NULL)",
      "INSERT INTO balances SELECT g, 'branch ' || (g % "
          + branches
          + "), "
          + OPENING
          + " FROM generate_series(1, "
          + accounts
          + ") g"
    };
  }

  /** The materialized views over the two tables (script statements). */
  public static String views() {
    return "CREATE MATERIALIZED VIEW total_balance AS SELECT count(*) AS accounts, sum(balance) AS total FROM balances;\n"
        + "CREATE MATERIALIZED VIEW branch_balances AS SELECT branch, sum(balance) AS balance FROM balances GROUP BY branch;\n"
        + "CREATE MATERIALIZED VIEW moved AS SELECT account, sum(delta) AS net FROM"
        + " (SELECT from_id AS account, -amount AS delta FROM transfers"
        + " UNION ALL SELECT to_id AS account, amount AS delta FROM transfers) d GROUP BY account;\n";
  }

  public long total() {
    return accounts * OPENING;
  }

  /**
   * One statement, so one snapshot of the results database: a row per broken invariant, saying what
   * was seen.
   */
  public String violationsQuery() {
    return "SELECT 'total view: ' || count(*) || ' row(s), ' || coalesce(sum(total)::text, 'none') FROM total_balance"
        + " HAVING count(*) <> 1 OR sum(total) IS DISTINCT FROM "
        + total()
        + " UNION ALL SELECT 'sum of balances ' || coalesce(sum(balance)::text, 'null') FROM balances"
        + " HAVING sum(balance) IS DISTINCT FROM "
        + total()
        + " UNION ALL SELECT 'branch ' || coalesce(b.branch, a.branch) || ': view ' || coalesce(b.balance::text, 'none')"
        + " || ', balances ' || coalesce(a.balance::text, 'none')"
        + " FROM branch_balances b FULL JOIN (SELECT branch, sum(balance) AS balance FROM balances GROUP BY branch) a"
        + " ON a.branch = b.branch WHERE b.balance IS DISTINCT FROM a.balance"
        + " UNION ALL SELECT 'account ' || a.id || ': balance ' || a.balance || ', ledger says '"
        + " || ("
        + OPENING
        + " + coalesce(l.net, 0)) FROM balances a LEFT JOIN (SELECT account, sum(delta) AS net FROM"
        + " (SELECT from_id AS account, -amount AS delta FROM transfers UNION ALL SELECT to_id, amount FROM transfers) d"
        + " GROUP BY account) l ON l.account = a.id WHERE a.balance <> "
        + OPENING
        + " + coalesce(l.net, 0)"
        + " UNION ALL SELECT 'account ' || a.id || ': balance ' || a.balance || ', moved view says '"
        + " || ("
        + OPENING
        + " + coalesce(m.net, 0)) FROM balances a LEFT JOIN moved m ON m.account = a.id WHERE a.balance <> "
        + OPENING
        + " + coalesce(m.net, 0)";
  }

  /** One transfer in one transaction (the two balances locked in id order); its ledger id. */
  public long transfer(Connection c, Random random) throws SQLException {
    int from = 1 + random.nextInt(accounts);
    int to = 1 + random.nextInt(accounts - 1);
    if (to >= from) {
      to++;
    }
    long amount = 1 + random.nextInt(50);
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      for (int id : new int[] {Math.min(from, to), Math.max(from, to)}) {
        long delta = id == from ? -amount : amount;
        s.executeUpdate("UPDATE balances SET balance = balance + " + delta + " WHERE id = " + id);
      }
      long id;
      try (ResultSet r =
          s.executeQuery(
              "INSERT INTO transfers (from_id, to_id, amount) VALUES ("
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
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is gone; the caller reconnects
      }
      throw e;
    } finally {
      try {
        c.setAutoCommit(autoCommit);
      } catch (SQLException ignored) {
        // as above
      }
    }
  }

  /**
   * Threads that run until stopped, through faults (a statement that fails is retried on a new
   * connection after a pause). Thread failures that are not SQL errors are collected.
   */
  abstract static class Loop implements AutoCloseable {
    final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong sqlErrors = new AtomicLong();

    void start(String url, int count, String name) {
      for (int i = 0; i < count; i++) {
        int index = i;
        Thread t = new Thread(() -> run(url, index), name + " " + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    boolean running() {
      return running;
    }

    private void run(String url, int index) {
      Connection c = null;
      try {
        while (running) {
          try {
            if (c == null || c.isClosed()) {
              c = DriverManager.getConnection(url);
            }
            if (!step(c, index)) {
              return;
            }
          } catch (SQLException e) {
            sqlErrors.incrementAndGet();
            close(c);
            c = null;
            Thread.sleep(200);
          }
        }
      } catch (Throwable e) {
        failures.add(e);
      } finally {
        close(c);
      }
    }

    /** One step; false when the thread is done. */
    abstract boolean step(Connection c, int index) throws Exception;

    private static void close(Connection c) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (SQLException ignored) {
        // closing anyway
      }
    }

    /** Stops the threads and waits for them; throws the first failure. */
    @Override
    public void close() throws Exception {
      running = false;
      join();
    }

    /** Waits for the threads to end by themselves; throws the first failure. */
    void join() throws Exception {
      for (Thread t : threads) {
        t.join(600_000);
      }
      if (!failures.isEmpty()) {
        throw new AssertionError(failures.peek());
      }
    }
  }

  /** Writers making transfers, {@code limit} in all (or until closed when 0). */
  public Writers write(String url, int threads, long limit) {
    Writers w = new Writers(limit);
    w.start(url, threads, "transfers");
    return w;
  }

  /** Transfer writers. */
  public final class Writers extends Loop {
    private final long limit;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong claimed = new AtomicLong();
    private final Set<Integer> idle = ConcurrentHashMap.newKeySet();
    private volatile boolean paused;

    Writers(long limit) {
      this.limit = limit;
    }

    @Override
    boolean step(Connection c, int index) throws Exception {
      if (paused) {
        idle.add(index);
        Thread.sleep(20);
        return true;
      }
      idle.remove(index);
      if (limit > 0 && claimed.incrementAndGet() > limit) {
        idle.add(index);
        return false;
      }
      Random random = new Random(index * 1_000_003L + done.get());
      try {
        transfer(c, random);
      } catch (SQLException e) {
        claimed.decrementAndGet();
        throw e;
      }
      done.incrementAndGet();
      return true;
    }

    /** Transfers committed. */
    public long done() {
      return done.get();
    }

    /** Waits until every writer finished its share. */
    public void awaitDone() throws Exception {
      join();
    }

    /** Stops between two transfers, until {@link #resume}. */
    public void pause() throws InterruptedException {
      paused = true;
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (idle.size() < threads.size() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }

    public void resume() {
      paused = false;
    }
  }

  /** Readers checking every state of the results database they see. */
  public Readers read(String resultsUrl, int threads) {
    Readers r = new Readers();
    r.start(resultsUrl, threads, "results readers");
    return r;
  }

  /** Readers of the results database. */
  public final class Readers extends Loop {
    private final AtomicLong observations = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final ConcurrentLinkedQueue<String> examples = new ConcurrentLinkedQueue<>();
    private final Set<Long> ledgerSizes = ConcurrentHashMap.newKeySet();

    @Override
    boolean step(Connection c, int index) throws Exception {
      try (Statement s = c.createStatement();
          ResultSet rows = s.executeQuery(violationsQuery())) {
        while (rows.next()) {
          if (violations.incrementAndGet() <= 20) {
            examples.add(rows.getString(1));
          }
        }
      }
      ledgerSizes.add(Sql.longValue(c, "SELECT count(*) FROM transfers"));
      observations.incrementAndGet();
      return true;
    }

    public long observations() {
      return observations.get();
    }

    /** Rows of broken invariants seen, over all observations. */
    public long violations() {
      return violations.get();
    }

    /** The first broken invariants seen (at most 20). */
    public List<String> examples() {
      return List.copyOf(examples);
    }

    /** How many different ledger sizes the readers saw: how often the results moved under them. */
    public int states() {
      return ledgerSizes.size();
    }

    /** Statements that failed (a server restarting); each retried on a new connection. */
    public long errors() {
      return sqlErrors.get();
    }

    @Override
    public String toString() {
      return String.format(
          "%,d reader observations of %,d distinct ledger sizes, %,d violations, %,d failed reads",
          observations(), states(), violations(), errors());
    }
  }
}
