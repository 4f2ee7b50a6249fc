package dev.mzflink.source;

import dev.mzflink.source.PgReplication.CreatedSlot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a table into ranges of pages for parallel COPY: several per reader for a large table, so
 * that readers that finish early take more; one range for a small table. PostgreSQL before 14
 * cannot scan a range of pages (it would read the whole table for each), so it gets one range per
 * table there.
 */
final class TableRanges {
  private TableRanges() {}

  /** PostgreSQL 14: the first version with TID range scans. */
  static final int TID_RANGE_SCAN_VERSION = 140000;

  /** Ranges per reader for a large table. */
  static final int RANGES_PER_READER = 4;

  /** The ranges of every table in {@code tables}, read over catalog connection {@code c}. */
  static List<SnapshotSplit> splits(
      Connection c, List<TableLayout> tables, CreatedSlot slot, boolean reset, int readers)
      throws SQLException {
    List<SnapshotSplit> splits = new ArrayList<>();
    for (TableLayout table : tables) {
      splits.addAll(splits(c, table, slot, reset, readers));
    }
    return splits;
  }

  private static List<SnapshotSplit> splits(
      Connection c, TableLayout table, CreatedSlot slot, boolean reset, int readers)
      throws SQLException {
    long pages;
    int version;
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint,"
                + " current_setting('server_version_num')::int"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ?")) {
      s.setString(1, table.schema);
      s.setString(2, table.name);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          throw new IllegalStateException("table " + table.qualifiedName + " does not exist");
        }
        pages = r.getLong(1);
        version = r.getInt(2);
      }
    }
    // A partitioned table has no pages of its own: it is read whole, through its root.
    return ranges(
        table,
        slot,
        reset,
        readers,
        pages,
        version >= TID_RANGE_SCAN_VERSION && !table.partitioned);
  }

  /** The ranges of a table of {@code pages} pages; the last one is open (the table may grow). */
  static List<SnapshotSplit> ranges(
      TableLayout table,
      CreatedSlot slot,
      boolean reset,
      int readers,
      long pages,
      boolean rangeScans) {
    List<SnapshotSplit> splits = new ArrayList<>();
    long size =
        Math.min(
            PgSplitEnumerator.MAX_PAGES,
            Math.max(
                PgSplitEnumerator.MIN_PAGES,
                ceilDiv(pages, (long) Math.max(1, readers) * RANGES_PER_READER)));
    if (!rangeScans || pages <= size) {
      splits.add(split(table, slot, reset, 0, -1));
      return splits;
    }
    for (long from = 0; from < pages; from += size) {
      boolean last = from + size >= pages;
      splits.add(split(table, slot, reset, from, last ? -1 : from + size));
    }
    return splits;
  }

  private static SnapshotSplit split(
      TableLayout table, CreatedSlot slot, boolean reset, long from, long to) {
    return new SnapshotSplit(
        table.index, table.id, from, to, slot.snapshot(), slot.consistentLsn(), reset);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
