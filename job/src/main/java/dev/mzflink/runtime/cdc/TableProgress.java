package dev.mzflink.runtime.cdc;

/**
 * What one normalizer subtask did for one table since its last report: rows snapshotted, changes
 * applied, when the last change came, whether the table's snapshot completed (and how many rows it
 * had in all), whether it is snapshotted again, and whether it stopped replicating.
 */
public final class TableProgress {
  public int table;
  public long snapshotRows;
  public long changes;
  public long lastChangeMillis;
  public boolean snapshotDone;

  /** The table is snapshotted again (re-read on request, or read anew): its counts start over. */
  public boolean reset;

  /**
   * The generation of the latest such snapshot, of the one {@link #snapshotDone} ends, or of the
   * read the table was errored or dropped in.
   */
  public long gen;

  /** When {@link #snapshotDone}: the rows of the whole snapshot. */
  public long snapshotTotal;

  /** The table stopped replicating with this error (a schema change), or null. */
  public String error;

  /** The table was removed from the publication: why it no longer replicates, or null. */
  public String dropped;

  public TableProgress() {}

  TableProgress(int table) {
    this.table = table;
  }

  boolean isEmpty() {
    return snapshotRows == 0
        && changes == 0
        && !snapshotDone
        && !reset
        && error == null
        && dropped == null;
  }
}
