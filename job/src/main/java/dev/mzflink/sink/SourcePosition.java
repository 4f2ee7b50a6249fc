package dev.mzflink.sink;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a source's stream is: the WAL position before which every upstream transaction was emitted
 * (-1: not known, a snapshot of the whole source is read), and the tables (their {@code
 * TableLayout} ids) whose snapshot is read beside the stream, whose results must wait for it. A
 * Flink POJO.
 */
public final class SourcePosition {
  public long lsn;

  /** The held tables' ids, separated by commas; empty when none. */
  public String held;

  public SourcePosition() {}

  public SourcePosition(long lsn, String held) {
    this.lsn = lsn;
    this.held = held == null ? "" : held;
  }

  /** The ids of {@code held}, as {@link #held} says them. */
  public static String say(Set<String> held) {
    return String.join(",", new TreeSet<>(held));
  }

  /** The held tables' ids. */
  public Set<String> heldIds() {
    return parse(held);
  }

  static Set<String> parse(String held) {
    Set<String> ids = new TreeSet<>();
    if (held != null && !held.isEmpty()) {
      ids.addAll(Arrays.asList(held.split(",")));
    }
    return ids;
  }

  @Override
  public String toString() {
    return lsn + (held == null || held.isEmpty() ? "" : " holding " + held);
  }
}
