package dev.mzflink.sink;

import dev.mzflink.Redaction;
import dev.mzflink.pg.PgConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.slf4j.Logger;

/**
 * Connections of the sink to the results database, with a connect, a socket and a lock timeout, a
 * pinned {@code search_path} (every name the sink writes is qualified) and durable commits, and the
 * patience to wait for a database that is down: operations are retried with a growing pause until
 * they succeed or the task is cancelled.
 */
final class ResultsConnections {
  /** The longest pause between two attempts. */
  static final long MAX_PAUSE_MILLIS = 30_000;

  private ResultsConnections() {}

  /** A connection named {@code purpose} whose statements give up after {@code socketSeconds}. */
  static Connection open(String url, String purpose, int socketSeconds, int lockSeconds)
      throws SQLException {
    Properties p = new Properties();
    p.setProperty("ApplicationName", "mzflink " + purpose);
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", Integer.toString(socketSeconds));
    p.setProperty("tcpKeepAlive", "true");
    Connection c = PgConnections.connect(url, p);
    try (Statement s = c.createStatement()) {
      s.execute("SET search_path = pg_catalog");
      s.execute("SET lock_timeout = '" + lockSeconds + "s'");
      // Staged rows are the only copy of a completed checkpoint's changes (the slot has moved
      // on): a commit must be durable when acknowledged, whatever the server's default.
      s.execute(
          "SELECT set_config('synchronous_commit', 'on', false)"
              + " WHERE current_setting('synchronous_commit') = 'off'");
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  /** An operation on the results database that may be tried again. */
  @FunctionalInterface
  interface Attempt<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code attempt} until it succeeds, pausing 1, 2, 4 ... 30 s between failures that a retry
   * can outlast (the database down, restarting, out of connections, a lock or a statement that
   * timed out, a serialization failure) and calling {@code reset} after each (to drop a broken
   * connection); {@code health}, when given, hears of each failure and of the success after them.
   * Gives up only when interrupted, or on an error that no retry can fix: thrown as an {@link
   * IllegalStateException} naming what failed.
   */
  static <T> T retrying(
      String what, String url, Logger log, Attempt<T> attempt, Runnable reset, Health health)
      throws InterruptedException {
    long pause = 1000;
    boolean failed = false;
    while (true) {
      try {
        T result = attempt.run();
        if (failed && health != null) {
          health.recovered();
        }
        return result;
      } catch (SQLException e) {
        reset.run();
        if (!retriable(e)) {
          throw new IllegalStateException(
              String.format(
                  "could not %s in the results database %s: %s",
                  what, Redaction.url(url), e.getMessage()),
              e);
        }
        failed = true;
        if (health != null) {
          health.failed(e);
        }
        log.warn(
            "Could not {} in the results database {} ({}); trying again in {} s",
            what,
            Redaction.url(url),
            e.getMessage(),
            pause / 1000);
        Thread.sleep(pause);
        pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
      }
    }
  }

  /** {@link #retrying(String, String, Logger, Attempt, Runnable, Health)} with no one to tell. */
  static <T> T retrying(String what, String url, Logger log, Attempt<T> attempt, Runnable reset)
      throws InterruptedException {
    return retrying(what, url, log, attempt, reset, null);
  }

  /**
   * Whether a retry can outlast {@code e}: no SQLSTATE (an I/O error), a connection exception (08),
   * insufficient resources (53), an operator intervention such as a shutdown (57, also a statement
   * timeout), a system error (58), a transaction rollback such as a deadlock (40), a lock not
   * available (55P03), or a read-only standby (25006).
   */
  /** Closes {@code c}, if any, ignoring a failure: it is being given up (to reconnect or stop). */
  static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // given up anyway
      }
    }
  }

  static boolean retriable(SQLException e) {
    String state = e.getSQLState();
    if (state == null) {
      return true;
    }
    return state.startsWith("08")
        || state.startsWith("53")
        || state.startsWith("57")
        || state.startsWith("58")
        || state.startsWith("40")
        || state.equals("55P03")
        || state.equals("25006");
  }

  /** Hears how the results database is doing. */
  interface Health {
    void failed(SQLException e);

    void recovered();
  }
}
