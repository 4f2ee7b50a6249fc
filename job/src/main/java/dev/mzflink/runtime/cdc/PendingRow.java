package dev.mzflink.runtime.cdc;

/** A snapshot row of a keyed table waiting in the normalizer until its chunk is complete. */
public final class PendingRow {
  public byte[] row;
  public long chunk;

  public PendingRow() {}

  PendingRow(byte[] row, long chunk) {
    this.row = row;
    this.chunk = chunk;
  }
}
