package dev.mzflink.testing;

import dev.mzflink.demo.Comparison;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Compares results tables with upstream tables of the same name. */
public final class Tables {
  private Tables() {}

  /** The differences of each table that differs; empty when all are equal. */
  public static List<String> differences(
      Connection upstream, Connection results, List<String> tables) throws Exception {
    List<String> differences = new ArrayList<>();
    for (String table : tables) {
      Comparison.Result r =
          Comparison.compare(upstream, Comparison.rowsOf(table), results, Comparison.rowsOf(table));
      if (!r.equal()) {
        differences.add(table + ": " + r.describe());
      }
    }
    return differences;
  }

  /**
   * Waits until every table is equal (comparing server-side digests while they differ); fails with
   * the differing rows after {@code timeout}.
   */
  public static void awaitEqual(
      Connection upstream, Connection results, List<String> tables, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!digestsEqual(upstream, results, tables) && System.nanoTime() < deadline) {
      Thread.sleep(250);
    }
    List<String> differences = differences(upstream, results, tables);
    if (!differences.isEmpty()) {
      throw new AssertionError(
          "results differ from upstream after " + timeout + ":\n" + String.join("\n", differences));
    }
  }

  private static boolean digestsEqual(Connection upstream, Connection results, List<String> tables)
      throws Exception {
    for (String table : tables) {
      String query = Comparison.rowsOf(table);
      if (!Comparison.digest(upstream, query).equals(Comparison.digest(results, query))) {
        return false;
      }
    }
    return true;
  }
}
