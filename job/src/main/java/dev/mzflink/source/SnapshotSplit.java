package dev.mzflink.source;

import static java.util.Objects.requireNonNull;

/**
 * A range of pages of one table, read by COPY in the transaction snapshot {@code snapshot}, which a
 * replication slot exported at WAL position {@code gen} (the table's generation).
 *
 * @param table the table's index in the source's layout
 * @param tableId the table's state id, to recognise it across job changes
 * @param fromPage the first page
 * @param toPage the page after the last one; -1: to the end of the table (the last range, and the
 *     only one of a server that cannot scan ranges of pages)
 * @param snapshot the exported snapshot's name
 * @param gen the WAL position the snapshot is at: the table's generation
 * @param reset whether state of an earlier generation of the table may exist and must be retracted
 *     first
 */
public record SnapshotSplit(
    int table, String tableId, long fromPage, long toPage, String snapshot, long gen, boolean reset)
    implements PgSplit {
  public SnapshotSplit {
    requireNonNull(tableId, "tableId is null");
    requireNonNull(snapshot, "snapshot is null");
  }

  @Override
  public String splitId() {
    return "snapshot-" + tableId + "-" + Long.toHexString(gen) + "-" + fromPage;
  }

  /** Whether the range covers the whole table. */
  public boolean wholeTable() {
    return fromPage == 0 && toPage < 0;
  }
}
