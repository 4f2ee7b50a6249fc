package dev.mzflink.sink;

import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one task of the sink knows of the results database being unreachable: since when and why. It
 * says so in the log (once a minute while it lasts, and when it ends), in the metric {@code
 * resultsUnreachableSeconds} (0 while the database answers), and to the listener a local {@code
 * mzflink run} installs to print it: the status table itself lives in that database.
 */
public final class ResultsOutage implements ResultsConnections.Health {
  private static final Logger LOG = LoggerFactory.getLogger(ResultsOutage.class);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
  private static volatile Consumer<String> listener = message -> {};

  private final String task;
  private final boolean tellListener;
  private volatile long since;
  private volatile String lastError;
  private long toldAt;

  /** The outage as {@code task} sees it; only the committer tells the listener (one voice). */
  ResultsOutage(String task, boolean tellListener) {
    this.task = task;
    this.tellListener = tellListener;
  }

  /**
   * Sends what the sink tasks of this JVM say about the results database (stalled, reachable again)
   * to {@code to}; a local run prints them.
   */
  public static void listen(Consumer<String> to) {
    listener = to;
  }

  /** Registers the gauge {@code resultsUnreachableSeconds} in {@code group}. */
  void register(MetricGroup group) {
    group.gauge("resultsUnreachableSeconds", (Gauge<Long>) this::seconds);
  }

  /** The last failure's message while the database does not answer; null while it does. */
  String lastError() {
    return lastError;
  }

  /** For how long the database has not answered; 0 while it answers. */
  long seconds() {
    long s = since;
    return s == 0 ? 0 : (System.currentTimeMillis() - s) / 1000;
  }

  @Override
  public synchronized void failed(SQLException e) {
    long now = System.currentTimeMillis();
    lastError = e.getMessage();
    if (since == 0) {
      since = now;
    }
    if (now - toldAt >= 60_000) {
      toldAt = now;
      String message =
          String.format(
              "stalled: results database unreachable since %s (%s): the %s waits and retries; the"
                  + " replication slot keeps its position, nothing is lost",
              TIME.format(Instant.ofEpochMilli(since)), e.getMessage(), task);
      LOG.warn(message);
      if (tellListener) {
        listener.accept(message);
      }
    }
  }

  @Override
  public synchronized void recovered() {
    if (since == 0) {
      return;
    }
    String message =
        String.format(
            "results database reachable again after %d s: the %s goes on",
            (System.currentTimeMillis() - since) / 1000, task);
    since = 0;
    toldAt = 0;
    lastError = null;
    LOG.info(message);
    if (tellListener) {
      listener.accept(message);
    }
  }
}
