package dev.mzflink.cli;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.status.SourceStatuses;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Shows the snapshot's progress while {@code run} waits for its local job: every table's rows
 * copied against PostgreSQL's estimate, read from the status table the job keeps. On a terminal it
 * redraws one progress line; otherwise (a log file, CI) it prints a line every ten seconds. It ends
 * by itself once every table of the script's sources runs.
 */
final class SnapshotProgress implements Runnable {
  private static final long POLL_MILLIS = 1000;
  private static final long LOG_EVERY_MILLIS = 10_000;
  private static final int BAR_WIDTH = 20;

  /** One table's snapshot progress. */
  record TableProgress(String table, String status, long rows, long estimated, String error) {
    /** The table's snapshot is over: it runs, or it stopped replicating. */
    boolean done() {
      return status.equals(SourceStatuses.Status.RUNNING.text())
          || status.equals(SourceStatuses.Status.ERRORED.text());
    }
  }

  private final String resultsUrl;
  private final List<String> sources;
  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean terminal;

  SnapshotProgress(
      String resultsUrl, List<String> sources, PrintWriter out, PrintWriter err, boolean terminal) {
    this.resultsUrl = resultsUrl;
    this.sources = List.copyOf(sources);
    this.out = out;
    this.err = err;
    this.terminal = terminal;
  }

  /** Starts a daemon thread that shows the progress until the snapshot is done. */
  static void startInBackground(
      String resultsUrl, List<String> sources, PrintWriter out, PrintWriter err) {
    if (sources.isEmpty()) {
      return;
    }
    Thread thread =
        new Thread(
            new SnapshotProgress(resultsUrl, sources, out, err, System.console() != null),
            "mzflink-progress");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void run() {
    long started = System.currentTimeMillis();
    long lastLine = 0;
    boolean drawn = false;
    try (Connection results = PgConnections.connect(resultsUrl, new Properties())) {
      while (!Thread.currentThread().isInterrupted()) {
        List<TableProgress> tables = read(results);
        long now = System.currentTimeMillis();
        boolean done = !tables.isEmpty() && tables.stream().allMatch(TableProgress::done);
        if (done) {
          long rows = tables.stream().mapToLong(TableProgress::rows).sum();
          out.printf(
              Locale.ROOT,
              "%sSnapshot done: %,d rows of %d table%s in %d s.%n",
              drawn ? "\r\033[K" : "",
              rows,
              tables.size(),
              tables.size() == 1 ? "" : "s",
              (now - started) / 1000);
          out.flush();
          reportErrors(results);
          return;
        }
        watchSources(results, drawn);
        if (!tables.isEmpty()) {
          if (terminal) {
            out.print("\r\033[K" + line(tables, true));
            out.flush();
            drawn = true;
          } else if (now - lastLine >= LOG_EVERY_MILLIS) {
            out.println(line(tables, false));
            out.flush();
            lastLine = now;
          }
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (SQLException e) {
      // The status table is informative only: without it the pipeline still runs.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Prints each table that stops replicating, once, until the thread is interrupted. */
  private void reportErrors(Connection results) throws SQLException, InterruptedException {
    java.util.Set<String> reported = new java.util.HashSet<>();
    while (!Thread.currentThread().isInterrupted()) {
      for (TableProgress t : read(results)) {
        if (t.status().equals(SourceStatuses.Status.ERRORED.text())
            && reported.add(t.table() + "\u0000" + t.error())) {
          err.printf("error: %s stopped replicating: %s%n", t.table(), t.error());
          err.flush();
        }
      }
      watchSources(results, false);
      Thread.sleep(2 * POLL_MILLIS);
    }
  }

  /** Sources last seen stalled. */
  private final java.util.Set<String> stalled = new java.util.HashSet<>();

  /** Prints when a source becomes stalled (with the reason) and when it runs again. */
  private void watchSources(Connection results, boolean drawn) throws SQLException {
    try (PreparedStatement s =
        results.prepareStatement(
            "SELECT source, status, coalesce(error, '') FROM "
                + SourceStatuses.TABLE
                + " WHERE source = ANY (?) AND \"table\" = '' ORDER BY source")) {
      s.setArray(1, results.createArrayOf("text", sources.toArray()));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String source = r.getString(1);
          boolean now = r.getString(2).equals(SourceStatuses.Status.STALLED.text());
          if (now && stalled.add(source)) {
            err.printf(
                "%swarning: source %s is stalled: %s%n", drawn ? "\n" : "", source, r.getString(3));
            err.flush();
          } else if (!now && stalled.remove(source)) {
            err.printf("%ssource %s is %s again%n", drawn ? "\n" : "", source, r.getString(2));
            err.flush();
          }
        }
      }
    } catch (SQLException e) {
      if (!"42P01".equals(e.getSQLState())) {
        throw e;
      }
    }
  }

  private List<TableProgress> read(Connection results) throws SQLException {
    List<TableProgress> tables = new ArrayList<>();
    try (PreparedStatement s =
        results.prepareStatement(
            "SELECT \"table\", status, snapshot_rows, coalesce(snapshot_rows_estimated, -1), coalesce(error, '') FROM "
                + SourceStatuses.TABLE
                + " WHERE source = ANY (?) AND \"table\" <> '' ORDER BY source, \"table\"")) {
      s.setArray(1, results.createArrayOf("text", sources.toArray()));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          tables.add(
              new TableProgress(
                  r.getString(1), r.getString(2), r.getLong(3), r.getLong(4), r.getString(5)));
        }
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return List.of(); // the job has not created the status table yet
      }
      throw e;
    }
    return tables;
  }

  /** The progress of every table on one line: a bar per table on a terminal, figures otherwise. */
  static String line(List<TableProgress> tables, boolean bars) {
    StringBuilder out = new StringBuilder("Snapshot:");
    for (TableProgress t : tables) {
      out.append(' ').append(t.table()).append(' ');
      if (t.done()) {
        out.append(String.format(Locale.ROOT, "done (%,d rows)", t.rows()));
      } else if (t.estimated() > 0) {
        double fraction = Math.min(1.0, (double) t.rows() / t.estimated());
        if (bars) {
          int filled = (int) Math.round(fraction * BAR_WIDTH);
          out.append('[')
              .append("#".repeat(filled))
              .append(".".repeat(BAR_WIDTH - filled))
              .append("] ");
        }
        out.append(
            String.format(
                Locale.ROOT,
                "%,d of ~%,d rows (%d%%)",
                t.rows(),
                t.estimated(),
                Math.round(fraction * 100)));
      } else {
        out.append(String.format(Locale.ROOT, "%,d rows", t.rows()));
      }
    }
    return out.toString();
  }
}
