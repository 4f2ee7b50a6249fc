package dev.mzflink.sink;

import java.util.Set;
import java.util.TreeSet;

/**
 * The rule {@link PositionMarkers} applies to a source's positions, without Flink: which position,
 * and which held tables, the marker of the checkpoint being taken carries (see there).
 */
final class PositionHolds {
  /** What a checkpoint's marker carries: a position (-1: not known) and the tables it holds. */
  record Mark(long lsn, String held) {}

  private long latest;

  /** The position the last marker carried (-1: not known). */
  private long marked = -1;

  /** The latest position counts for the checkpoint being taken. */
  private boolean valid;

  /** A position arrived after an unknown one: it counts from the next checkpoint on. */
  private boolean arming;

  /** Restored, and nothing arrived since: a first position counts at once. */
  private boolean restored;

  /** The results hold a position of this source: tables read beside the stream hold only theirs. */
  private boolean perTable;

  /** The tables the source reads beside its stream, as it last said. */
  private Set<String> held = new TreeSet<>();

  /** Tables no longer held since the last marker: held in the next marker still. */
  private final Set<String> releasing = new TreeSet<>();

  /** {@code restored}: the position of the checkpoint restored from; -1 when none. */
  PositionHolds(long restored) {
    this.latest = restored;
    this.restored = restored >= 0;
    this.perTable = this.restored;
  }

  /** The position the last marker carried (-1: not known). */
  long marked() {
    return marked;
  }

  /** A position the source emitted. */
  void accept(SourcePosition position) {
    Set<String> now = position.heldIds();
    boolean first = restored;
    restored = false;
    if (position.lsn < 0 || (!perTable && !now.isEmpty())) {
      // Not known, or a snapshot that the results wait for whole.
      latest = -1;
      valid = false;
      arming = false;
      held.clear();
      releasing.clear();
      return;
    }
    for (String id : held) {
      if (!now.contains(id)) {
        releasing.add(id);
      }
    }
    held = now;
    latest = Math.max(latest, position.lsn);
    if (first) {
      valid = true;
    } else if (!valid) {
      arming = true;
    }
  }

  /** The marker of the checkpoint being taken; what arrives after it counts for the next. */
  Mark mark() {
    marked = valid ? latest : -1;
    Set<String> holding = new TreeSet<>(held);
    holding.addAll(releasing);
    releasing.clear();
    if (arming) {
      arming = false;
      valid = true;
    }
    perTable |= valid;
    return new Mark(marked, SourcePosition.say(holding));
  }
}
