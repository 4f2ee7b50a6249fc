package dev.mzflink.runtime.cdc;

/**
 * One change of one table of a source, as it travels between mzflink's operators. Rows are
 * serialized with the table's {@code RowDataSerializer} (see {@link TableLayout}), so one record
 * type serves every table. A Flink POJO: public fields and a no-argument constructor.
 */
public final class ChangeRecord {
  /** A row read by Flink CDC's incremental snapshot. */
  public static final byte SNAPSHOT = 0;

  /** A row inserted upstream. */
  public static final byte INSERT = 1;

  /** The new row of an update of a keyed table (the old row is in the normalizer's state). */
  public static final byte UPDATE = 2;

  /** A row deleted upstream; {@link #row} holds at least the key. */
  public static final byte DELETE = 3;

  /** The table was truncated upstream. */
  public static final byte TRUNCATE = 4;

  /** A row read by mzflink's locked snapshot. */
  public static final byte LOCKED_SNAPSHOT = 5;

  /** The locked snapshot of the table is complete; {@link #lsn} is its hand-over point. */
  public static final byte LOCKED_SNAPSHOT_DONE = 6;

  /**
   * The table needs no hand-over: Flink CDC's incremental snapshot reads it, or its snapshot was
   * complete before the job was restored. Its streamed changes pass unless a hand-over point is
   * already set.
   */
  public static final byte SNAPSHOT_KNOWN = 7;

  /** Every row of snapshot chunk {@link #chunk} of the table has been sent before this record. */
  public static final byte CHUNK_DONE = 8;

  /**
   * The table stopped replicating (its schema changed upstream): its later changes are dropped, the
   * normalizer reports the error in {@link #error}.
   */
  public static final byte TABLE_ERRORED = 9;

  /** The table's index in the source's layout. */
  public int table;

  /** One of the kinds above. */
  public byte kind;

  /** The row, serialized; null for TRUNCATE and the markers. */
  public byte[] row;

  /** The WAL position of the change (0 for snapshot rows). */
  public long lsn;

  /** Bit i set: column i of an UPDATE is an unchanged TOASTed value the WAL did not carry. */
  public long unchangedToast;

  /** The partitioning key: table id and key text (or the whole row for key-less tables). */
  public String key;

  /**
   * Of a snapshot row and a CHUNK_DONE: the chunk of Flink CDC's snapshot (a hash of its split id).
   */
  public long chunk;

  /** Of a streamed change: when its transaction committed upstream (ms since the epoch), else 0. */
  public long commitMillis;

  /** Of a TABLE_ERRORED: the message. */
  public String error;

  public ChangeRecord() {}

  ChangeRecord(int table, byte kind, byte[] row, long lsn) {
    this.table = table;
    this.kind = kind;
    this.row = row;
    this.lsn = lsn;
  }

  ChangeRecord copy() {
    ChangeRecord c = new ChangeRecord(table, kind, row, lsn);
    c.unchangedToast = unchangedToast;
    c.key = key;
    c.chunk = chunk;
    c.commitMillis = commitMillis;
    c.error = error;
    return c;
  }

  @Override
  public String toString() {
    return "ChangeRecord{table=" + table + ", kind=" + kind + ", lsn=" + lsn + ", key=" + key + "}";
  }
}
