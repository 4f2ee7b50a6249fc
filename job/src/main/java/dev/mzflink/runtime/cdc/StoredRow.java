package dev.mzflink.runtime.cdc;

/**
 * The normalizer's state for one key: the current row (serialized); for a key-less table how many
 * copies of it the table holds (negative while a snapshot row that a streamed delete already took
 * away has not arrived yet); for a keyed table whether a streamed change set it (then snapshot rows
 * of the key are older news and are ignored); and the generation of the table it belongs to.
 */
public final class StoredRow {
  public byte[] row;
  public int count;
  public boolean streamed;
  public long gen;

  public StoredRow() {}

  StoredRow(byte[] row, int count, boolean streamed, long gen) {
    this.row = row;
    this.count = count;
    this.streamed = streamed;
    this.gen = gen;
  }
}
