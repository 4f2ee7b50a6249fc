package dev.mzflink.sink;

import dev.mzflink.status.PipelineHealth;
import dev.mzflink.status.PipelineHealth.Stall;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committer's watchdog: results that stop moving are never silent. A job is stalled when no
 * checkpoint completed for {@code stallAfter} (then it says which results writers have not passed
 * the checkpoint under way: they, or operators before them, hold it), or when a completed
 * checkpoint has waited that long for its commit (then it says why). It logs the stall, shows it in
 * {@link PipelineHealth} (the status reporters put it in every source's status rows), and in the
 * committer's metric {@code stalledSeconds}.
 */
final class StallWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StallWatch.class);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  /** The job parameter that carries the stall time in milliseconds. */
  static final String PARAMETER = PipelineHealth.STALL_AFTER_PARAMETER;

  /** Without the parameter (the SQL client): the checkpoint timeout's default and a minute. */
  static final long DEFAULT_MILLIS = 11 * 60_000L;

  private final String url;
  private final String jobId;
  private final long stallAfterMillis;
  private final ScheduledExecutorService writer;
  private long lastCompletedAt;
  private final TreeMap<Long, Long> completedAt = new TreeMap<>();
  private volatile Optional<Stall> current = Optional.empty();
  private Optional<Stall> written;
  private long loggedAt;
  private Connection connection;

  StallWatch(String url, String jobId, Map<String, String> jobParameters) {
    this.url = url;
    this.jobId = jobId;
    String given = jobParameters.get(PARAMETER);
    this.stallAfterMillis = given != null ? Long.parseLong(given) : DEFAULT_MILLIS;
    this.lastCompletedAt = System.currentTimeMillis();
    this.written = Optional.empty();
    this.writer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "mzflink stall watch");
              t.setDaemon(true);
              return t;
            });
    writer.scheduleWithFixedDelay(this::publish, 1, 5, TimeUnit.SECONDS);
  }

  /** For how long the job has been stalled; 0 when it is not. */
  long seconds() {
    return current.map(s -> (System.currentTimeMillis() - s.sinceMillis()) / 1000).orElse(0L);
  }

  /** Checkpoint {@code id} completed now. */
  void completed(long id) {
    long now = System.currentTimeMillis();
    lastCompletedAt = now;
    completedAt.putIfAbsent(id, now);
  }

  /** Checkpoints up to {@code id} are committed. */
  void committed(long id) {
    completedAt.headMap(id, true).clear();
  }

  /**
   * Looks at the job as the committer sees it: the markers received and not committed, the writers'
   * tables, and the last commit failure.
   *
   * @param completed the latest completed checkpoint
   * @param committed the latest committed checkpoint
   */
  void check(
      Collection<Marker> pending, Collection<String> tables, long completed, String commitError) {
    long now = System.currentTimeMillis();
    Optional<Stall> stall = Optional.empty();
    if (now - lastCompletedAt > stallAfterMillis) {
      stall =
          Optional.of(
              new Stall(
                  lastCompletedAt,
                  String.format(
                      "no checkpoint completed for %d s (the last at %s), so no results are"
                          + " committed: %s",
                      (now - lastCompletedAt) / 1000,
                      TIME.format(Instant.ofEpochMilli(lastCompletedAt)),
                      holder(pending, tables, completed))));
    } else {
      Map.Entry<Long, Long> oldest = completedAt.firstEntry();
      if (oldest != null && now - oldest.getValue() > stallAfterMillis) {
        stall =
            Optional.of(
                new Stall(
                    oldest.getValue(),
                    String.format(
                        "checkpoint %d completed at %s and its results are not committed yet: %s",
                        oldest.getKey(),
                        TIME.format(Instant.ofEpochMilli(oldest.getValue())),
                        commitError == null
                            ? "the commit is still running in the results database"
                            : "the results database answers " + commitError)));
      }
    }
    // Keep the first moment of a stall that goes on.
    Optional<Stall> before = current;
    if (stall.isPresent() && before.isPresent()) {
      stall = Optional.of(new Stall(before.get().sinceMillis(), stall.get().reason()));
    }
    current = stall;
    if (stall.isPresent() && (before.isEmpty() || now - loggedAt >= 60_000)) {
      loggedAt = now;
      LOG.warn("Stalled: {}", stall.get().reason());
    } else if (stall.isEmpty() && before.isPresent()) {
      LOG.info("No longer stalled, after {} s", (now - before.get().sinceMillis()) / 1000);
    }
  }

  /** Which operators hold the checkpoint under way, as far as the results writers tell. */
  private static String holder(
      Collection<Marker> pending, Collection<String> tables, long completed) {
    TreeSet<Long> inFlight = new TreeSet<>();
    for (Marker m : pending) {
      if (m.checkpoint > completed) {
        inFlight.add(m.checkpoint);
      }
    }
    if (inFlight.isEmpty()) {
      return "no results writer has reached the next checkpoint: an operator before them holds it"
          + " (a source, the normalizer or a view); Flink's checkpoint details name the subtask";
    }
    long checkpoint = inFlight.first();
    Map<String, TreeSet<Integer>> seen = new TreeMap<>();
    Map<String, Integer> writers = new TreeMap<>();
    for (Marker m : pending) {
      if (m.checkpoint == checkpoint) {
        seen.computeIfAbsent(m.table, t -> new TreeSet<>()).add(m.subtask);
        writers.put(m.table, m.writers);
      }
    }
    List<String> missing = new ArrayList<>();
    for (String table : tables) {
      TreeSet<Integer> got = seen.getOrDefault(table, new TreeSet<>());
      int n = writers.getOrDefault(table, 0);
      if (n == 0) {
        missing.add(table);
        continue;
      }
      List<Integer> absent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (!got.contains(i)) {
          absent.add(i);
        }
      }
      if (!absent.isEmpty()) {
        missing.add(table + " (subtask" + (absent.size() > 1 ? "s " : " ") + join(absent) + ")");
      }
    }
    if (missing.isEmpty()) {
      return "every results writer passed checkpoint "
          + checkpoint
          + ": the acknowledgement of another operator, or the checkpoint storage, holds it";
    }
    return "checkpoint "
        + checkpoint
        + " waits for the results writers of "
        + String.join(", ", missing)
        + ": they, or operators before them, hold it";
  }

  private static String join(List<Integer> numbers) {
    List<String> text = new ArrayList<>();
    numbers.forEach(n -> text.add(Integer.toString(n)));
    return String.join(", ", text);
  }

  /** Writes the health row when it changed, and every 5 s while stalled (it must stay fresh). */
  private void publish() {
    Optional<Stall> stall = current;
    if (stall.equals(written) && stall.isEmpty()) {
      return;
    }
    try {
      if (connection == null || connection.isClosed()) {
        connection = ResultsConnections.open(url, "results health", 10, 5);
      }
      PipelineHealth.write(connection, jobId, stall);
      written = stall;
    } catch (SQLException e) {
      LOG.debug("Could not write the pipeline's health: {}", e.getMessage());
      closeQuietly();
    }
  }

  private void closeQuietly() {
    ResultsConnections.closeQuietly(connection);
    connection = null;
  }

  @Override
  public void close() throws InterruptedException {
    writer.shutdownNow();
    writer.awaitTermination(10, TimeUnit.SECONDS);
    closeQuietly();
  }
}
