package dev.mzflink.runtime.cdc;

/**
 * The normalizer's state for one key: the current row (serialized) and, for a key-less table,
 * how many copies of it the table holds.
 */
public final class StoredRow {
  public byte[] row;
  public int count;

  public StoredRow() {}

  StoredRow(byte[] row, int count) {
    this.row = row;
    this.count = count;
  }
}
