package dev.mzflink.runtime.cdc;

/**
 * The normalizer's state for one key: the current row (serialized), for a key-less table how many
 * copies of it the table holds, and for a keyed table whether a streamed change set it (then Flink
 * CDC's snapshot rows of the key are older news and are ignored).
 */
public final class StoredRow {
  public byte[] row;
  public int count;
  public boolean streamed;

  public StoredRow() {}

  StoredRow(byte[] row, int count, boolean streamed) {
    this.row = row;
    this.count = count;
    this.streamed = streamed;
  }
}
