package dev.mzflink.bench;

import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.translate.SourceReading;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measure 3: freshness. A steady write rate upstream (a ladder of rates; 60% inserts, 30% updates,
 * 10% deletes, one transaction every few milliseconds) and, ten times a second, a marker row in its
 * own transaction; the time from the marker's commit (when COMMIT returned) to the moment a poller
 * (every 10 ms) sees it in the results database. A rate is sustained when the writer kept up and
 * the latency of the last quarter of the step's markers is not above twice that of the first
 * quarter plus 500 ms. Finally the p50/p99 at half the maximum sustained rate.
 */
final class FreshnessMeasure {
  private final Bench bench;
  private final String db;
  private final String resultsDb;
  private final Map<Long, Long> committed = new ConcurrentHashMap<>();
  private final Map<Long, Long> visible = new ConcurrentHashMap<>();
  private final Random random = new Random(42);
  private long nextId;
  private long deleteId = 1;
  private long marker;

  private FreshnessMeasure(Bench bench, String db, String resultsDb, long initial) {
    this.bench = bench;
    this.db = db;
    this.resultsDb = resultsDb;
    this.nextId = initial + 1;
  }

  /** One step's outcome. */
  record Step(double target, double achieved, double p50, double p99, boolean sustained) {}

  static void run(Bench bench) throws Exception {
    long initial = 10_000;
    List<Long> ladder = bench.numbers("freshness.ladder");
    long stepSeconds = bench.number("freshness.seconds");
    Duration checkpoint = Duration.ofMillis(bench.number("freshness.checkpoint.ms"));
    int parallelism = (int) bench.number("stream.parallelism");
    String db = bench.newDatabase("fresh");
    String results = bench.newDatabase("fresh_results");
    try {
      bench.execute(
          db,
          "CREATE TABLE f (id bigint PRIMARY KEY, v bigint NOT NULL, committed_at timestamptz)",
          "INSERT INTO f SELECT g, g, NULL FROM generate_series(1, " + initial + ") g",
          "CREATE PUBLICATION p FOR TABLE f");
      FreshnessMeasure m = new FreshnessMeasure(bench, db, results, initial);
      try (RunningPipeline pipeline =
              bench.start(
                  bench.sourceScript("fresh", db, true),
                  results,
                  parallelism,
                  checkpoint,
                  Optional.empty(),
                  SourceReading.ONE_SLOT_PER_SOURCE);
          Connection c = bench.connect(results)) {
        Bench.await(
            "the snapshot of f",
            Duration.ofMinutes(10),
            200,
            () -> Bench.longValue(c, "SELECT count(*) FROM f") >= initial);
        Map<Long, List<Step>> steps = new TreeMap<>();
        for (int run = 1; run <= bench.runs; run++) {
          for (long rate : ladder) {
            Step step = m.step(rate, stepSeconds, "freshness " + rate + " rows/s", run);
            steps.computeIfAbsent(rate, r -> new ArrayList<>()).add(step);
          }
        }
        long maxSustained = 0;
        for (Map.Entry<Long, List<Step>> e : steps.entrySet()) {
          List<Step> of = e.getValue();
          long sustained = of.stream().filter(Step::sustained).count();
          boolean majority = sustained * 2 > of.size();
          double p50 = median(of.stream().map(Step::p50).toList());
          double p99 = median(of.stream().map(Step::p99).toList());
          double achieved = median(of.stream().map(Step::achieved).toList());
          bench.results.ladderStep(e.getKey(), achieved, p50, p99, majority);
          bench.results.figure("p50_ms_at_" + e.getKey(), p50);
          bench.results.figure("p99_ms_at_" + e.getKey(), p99);
          if (majority) {
            maxSustained = Math.max(maxSustained, e.getKey());
          }
        }
        bench.results.figure("max_sustained_rows_per_s", maxSustained);
        long half = Math.max(1, (maxSustained > 0 ? maxSustained : ladder.get(0)) / 2);
        List<Step> halfSteps = new ArrayList<>();
        for (int run = 1; run <= bench.runs; run++) {
          halfSteps.add(m.step(half, stepSeconds, "freshness half max " + half + " rows/s", run));
        }
        bench.results.figure("freshness_half_rate_rows_per_s", half);
        bench.results.figure("p50_ms", median(halfSteps.stream().map(Step::p50).toList()));
        bench.results.figure("p99_ms", median(halfSteps.stream().map(Step::p99).toList()));
        bench.results.goal("p99_ms", 1000);
        bench.results.figure("freshness_checkpoint_ms", checkpoint.toMillis());
      }
    } finally {
      bench.dropDatabase(results);
      bench.dropDatabase(db);
    }
  }

  private Step step(long rate, long seconds, String series, int run) throws Exception {
    AtomicBoolean polling = new AtomicBoolean(true);
    long firstMarker = marker + 1;
    Thread poller = new Thread(() -> poll(polling), "freshness-poller");
    poller.start();
    long written = 0;
    Bench.Clock clock = bench.clock();
    try (Connection c = bench.connect(db);
        PreparedStatement insert =
            c.prepareStatement("INSERT INTO f SELECT g, g, NULL FROM generate_series(?, ?) g");
        PreparedStatement update =
            c.prepareStatement("UPDATE f SET v = v + 1 WHERE id >= ? AND id < ?");
        PreparedStatement delete = c.prepareStatement("DELETE FROM f WHERE id >= ? AND id < ?");
        PreparedStatement mark =
            c.prepareStatement("INSERT INTO f VALUES (?, 0, clock_timestamp())")) {
      long start = System.nanoTime();
      long end = start + seconds * 1_000_000_000L;
      long nextMarker = start;
      long now;
      while ((now = System.nanoTime()) < end) {
        long due = (long) (rate * ((now - start) / 1e9)) - written;
        if (due >= 1) {
          long n = Math.min(due, Math.max(10, rate / 20));
          long inserts = Math.round(n * 0.6);
          long updates = Math.round(n * 0.3);
          long deletes = n - inserts - updates;
          c.setAutoCommit(false);
          if (inserts > 0) {
            insert.setLong(1, nextId);
            insert.setLong(2, nextId + inserts - 1);
            insert.executeUpdate();
            nextId += inserts;
          }
          if (deletes > 0) {
            delete.setLong(1, deleteId);
            delete.setLong(2, deleteId + deletes);
            delete.executeUpdate();
            deleteId += deletes;
          }
          if (updates > 0) {
            long room = nextId - deleteId - updates;
            long from = deleteId + (room > 0 ? (long) (random.nextDouble() * room) : 0);
            update.setLong(1, from);
            update.setLong(2, from + updates);
            update.executeUpdate();
          }
          c.commit();
          c.setAutoCommit(true);
          written += n;
        }
        if (now >= nextMarker) {
          long id = ++marker;
          mark.setLong(1, -id);
          mark.executeUpdate();
          committed.put(id, System.nanoTime());
          nextMarker += 100_000_000L;
        }
        Thread.sleep(2);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      long lastMarker = marker;
      Bench.await(
          "marker " + lastMarker,
          Duration.ofMinutes(10),
          20,
          () -> visible.containsKey(lastMarker));
      clock.stop(series, run, written);
      List<Double> latencies = new ArrayList<>();
      for (long id = firstMarker; id <= lastMarker; id++) {
        latencies.add((visible.get(id) - committed.get(id)) / 1e6);
      }
      int quarter = Math.max(1, latencies.size() / 4);
      double first = median(latencies.subList(0, quarter));
      double last = median(latencies.subList(latencies.size() - quarter, latencies.size()));
      double achieved = written / elapsed;
      boolean sustained = achieved >= 0.9 * rate && last <= 2 * first + 500;
      List<Double> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      Step step =
          new Step(rate, achieved, percentile(sorted, 0.5), percentile(sorted, 0.99), sustained);
      System.out.printf(
          "  freshness %,d rows/s run %d: achieved %,.0f rows/s, %d markers, p50 %.0f ms, p99 %.0f ms, first/last quarter %.0f/%.0f ms: %s%n",
          rate,
          run,
          achieved,
          latencies.size(),
          step.p50(),
          step.p99(),
          first,
          last,
          sustained ? "sustained" : "NOT sustained");
      return step;
    } finally {
      polling.set(false);
      poller.join();
    }
  }

  /**
   * Records when each marker first shows in the results database (markers are committed in order).
   */
  private void poll(AtomicBoolean polling) {
    try (Connection c = bench.connect(resultsDb);
        PreparedStatement s =
            c.prepareStatement("SELECT coalesce(-min(id), 0) FROM f WHERE id < 0")) {
      long seen = visible.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
      while (polling.get()) {
        long highest;
        try (var r = s.executeQuery()) {
          r.next();
          highest = r.getLong(1);
        }
        long now = System.nanoTime();
        for (long id = seen + 1; id <= highest; id++) {
          visible.put(id, now);
        }
        seen = Math.max(seen, highest);
        Thread.sleep(10);
      }
    } catch (Exception e) {
      throw new IllegalStateException("freshness poller failed", e);
    }
  }

  static double percentile(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
