package dev.mzflink.source;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One change of one table of a source, as it travels from the source to the normalizer. Rows are
 * serialized with the table's {@code RowDataSerializer} (see {@link TableLayout}), so one record
 * type serves every table. Written between tasks by {@link ChangeRecordSerializer}.
 *
 * <p>Every record carries its table's <em>generation</em>: the WAL position of the snapshot the
 * table's rows were read at. A table snapshotted again (a retaken snapshot, a table added while
 * running) gets a later generation, and the normalizer forgets whatever an earlier generation left
 * of it; snapshot rows and streamed changes of one generation may arrive in any order.
 */
@TypeInfo(ChangeRecordSerializer.Factory.class)
public final class ChangeRecord {
  /** A row of a table's snapshot. */
  public static final byte SNAPSHOT = 0;

  /** A row inserted upstream. */
  public static final byte INSERT = 1;

  /** The new row of an update of a keyed table (the old row is in the normalizer's state). */
  public static final byte UPDATE = 2;

  /** A row deleted upstream; {@link #row} holds at least the key. */
  public static final byte DELETE = 3;

  /** The table was truncated upstream. */
  public static final byte TRUNCATE = 4;

  /**
   * The table (or every table, {@link #table} -1) is snapshotted again at generation {@link #gen}:
   * rows of earlier generations are retracted. Sent to every normalizer subtask.
   */
  public static final byte RESET = 5;

  /**
   * The table's snapshot is complete: {@link #count} rows. Sent to every normalizer subtask, in the
   * stream, once the stream holds every later change of the table.
   */
  public static final byte SNAPSHOT_DONE = 6;

  /**
   * The table stopped replicating (its schema changed upstream): its later changes are dropped, the
   * normalizer reports the error in {@link #error}.
   */
  public static final byte TABLE_ERRORED = 9;

  /**
   * The source's position: every upstream transaction that committed before WAL position {@link
   * #lsn} was emitted before this record (table -1). Sent between transactions, at most a few times
   * a second, and whenever the stream has caught up.
   */
  public static final byte POSITION = 10;

  /**
   * The table was removed from the publication: the stream no longer carries its changes (and drops
   * any after this record, should it be added back), the normalizer reports it in {@link #error}.
   */
  public static final byte TABLE_DROPPED = 11;

  /** The table's index in the source's layout; -1 for a RESET of every table. */
  public int table;

  /** One of the kinds above. */
  public byte kind;

  /** The row, serialized; null for TRUNCATE and the markers. */
  public byte[] row;

  /**
   * The WAL position of the change: the commit LSN of its transaction, or for a snapshot row the
   * position its snapshot was taken at.
   */
  public long lsn;

  /** The table's generation (see the class comment). */
  public long gen;

  /** Bit i set: column i of an UPDATE is an unchanged TOASTed value the WAL did not carry. */
  public long unchangedToast;

  /** The partitioning key: table id and key text (or the whole row for key-less tables). */
  public String key;

  /** Of a streamed change: when its transaction committed upstream (ms since the epoch), else 0. */
  public long commitMillis;

  /** Of a TABLE_ERRORED: the message. */
  public String error;

  /** Of a SNAPSHOT_DONE: the rows the snapshot read. */
  public long count;

  public ChangeRecord() {}

  public ChangeRecord(int table, byte kind, byte[] row, long lsn, long gen) {
    this.table = table;
    this.kind = kind;
    this.row = row;
    this.lsn = lsn;
    this.gen = gen;
  }

  /** A copy, for fanning a record out to every subtask. */
  public ChangeRecord copy() {
    ChangeRecord c = new ChangeRecord(table, kind, row, lsn, gen);
    c.unchangedToast = unchangedToast;
    c.key = key;
    c.commitMillis = commitMillis;
    c.error = error;
    c.count = count;
    return c;
  }

  @Override
  public String toString() {
    return "ChangeRecord{table="
        + table
        + ", kind="
        + kind
        + ", lsn="
        + lsn
        + ", gen="
        + gen
        + ", key="
        + key
        + "}";
  }
}
