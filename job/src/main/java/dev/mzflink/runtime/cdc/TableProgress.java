package dev.mzflink.runtime.cdc;

/**
 * What one normalizer subtask did for one table since its last report: rows snapshotted, changes
 * applied, when the last change came, whether the table's snapshot completed (and how many rows it
 * had in all), and whether it stopped replicating.
 */
public final class TableProgress {
  public int table;
  public long snapshotRows;
  public long changes;
  public long lastChangeMillis;
  public boolean snapshotDone;

  /** When {@link #snapshotDone}: the rows of the whole snapshot. */
  public long snapshotTotal;

  /** The table stopped replicating with this error (a schema change), or null. */
  public String error;

  public TableProgress() {}

  TableProgress(int table) {
    this.table = table;
  }

  boolean isEmpty() {
    return snapshotRows == 0 && changes == 0 && !snapshotDone && error == null;
  }
}
