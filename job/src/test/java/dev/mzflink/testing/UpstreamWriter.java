package dev.mzflink.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes random transactions to {@code accounts (id int primary key, balance numeric(12,2), note
 * text)} and the key-less {@code ledger (account int, amount numeric(12,2), note text)} until
 * closed, and goes on through faults: a failed transaction (PostgreSQL restarting) is retried on a
 * new connection. {@link #pause} stops it between transactions, so results can be compared with
 * upstream at a quiet moment.
 */
public final class UpstreamWriter implements AutoCloseable {
  /** The tables, their rows, and a publication {@code name} over them. */
  public static String[] schema(String publication, int accounts) {
    return new String[] {
      "CREATE TABLE accounts (id int PRIMARY KEY, balance numeric(12,2) NOT NULL, note text)",
      "ALTER TABLE accounts REPLICA IDENTITY FULL",
      "CREATE TABLE ledger (account int NOT NULL, amount numeric(12,2) NOT NULL, note text)",
      "ALTER TABLE ledger REPLICA IDENTITY FULL",
      "INSERT INTO accounts SELECT g, g % 1000, 'account ' || g FROM generate_series(1, "
          + accounts
          + ") g",
      "INSERT INTO ledger SELECT g % 500, (g % 7) * 10, NULL FROM generate_series(1, 20000) g",
      "CREATE PUBLICATION " + publication + " FOR TABLE accounts, ledger"
    };
  }

  private final String url;
  private final int accounts;
  private final Thread thread;
  private final AtomicLong transactions = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean running = true;
  private volatile boolean paused;
  private volatile boolean idle;

  private UpstreamWriter(String url, int accounts, long seed) {
    this.url = url;
    this.accounts = accounts;
    this.thread = new Thread(() -> loop(new Random(seed)), "upstream-writer");
    thread.setDaemon(true);
  }

  /** Starts writing to the database at {@code jdbcUrl}, about {@code accounts} account ids. */
  public static UpstreamWriter start(String jdbcUrl, int accounts, long seed) {
    UpstreamWriter writer = new UpstreamWriter(jdbcUrl, accounts, seed);
    writer.thread.start();
    return writer;
  }

  private void loop(Random random) {
    Connection c = null;
    while (running) {
      if (paused) {
        idle = true;
        sleep(20);
        continue;
      }
      idle = false;
      try {
        if (c == null || c.isClosed()) {
          c = DriverManager.getConnection(url);
          c.setAutoCommit(false);
        }
        try (var s = c.createStatement()) {
          int n = 1 + random.nextInt(5);
          for (int i = 0; i < n; i++) {
            int id = 1 + random.nextInt(accounts + accounts / 10);
            switch (random.nextInt(6)) {
              case 0 ->
                  s.execute(
                      "INSERT INTO accounts VALUES ("
                          + id
                          + ", 0, 'new') ON CONFLICT (id) DO UPDATE SET note = 'again'");
              case 1 ->
                  s.execute(
                      "UPDATE accounts SET balance = balance + 1.25, note = NULL WHERE id = " + id);
              case 2 -> s.execute("DELETE FROM accounts WHERE id = " + id);
              case 3 ->
                  s.execute(
                      "INSERT INTO ledger VALUES ("
                          + (id % 500)
                          + ", "
                          + random.nextInt(100)
                          + ", 'w')");
              case 4 ->
                  s.execute(
                      "DELETE FROM ledger WHERE ctid = (SELECT ctid FROM ledger WHERE account = "
                          + (id % 500)
                          + " LIMIT 1)");
              default ->
                  s.execute(
                      "UPDATE ledger SET note = 'u' WHERE ctid = (SELECT ctid FROM ledger WHERE account = "
                          + (id % 500)
                          + " LIMIT 1)");
            }
          }
        }
        c.commit();
        transactions.incrementAndGet();
      } catch (SQLException e) {
        failures.incrementAndGet();
        try {
          if (c != null) {
            c.close();
          }
        } catch (SQLException ignored) {
          // reconnect below
        }
        c = null;
        sleep(200);
      }
    }
    try {
      if (c != null) {
        c.close();
      }
    } catch (SQLException ignored) {
      // closing anyway
    }
  }

  /** Stops writing between two transactions and waits until no transaction is open. */
  public void pause() throws InterruptedException {
    paused = true;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!idle && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (!idle) {
      throw new IllegalStateException("the writer did not pause within 30 s");
    }
  }

  public void resume() {
    paused = false;
  }

  /** Transactions committed so far. */
  public long transactions() {
    return transactions.get();
  }

  /** Transactions that failed (and were not retried: the next one is random again). */
  public long failures() {
    return failures.get();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(30_000);
  }
}
