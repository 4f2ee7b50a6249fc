package dev.mzflink.runtime.cdc;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A change of the exact changelog of one table: a row kind and the serialized row. */
@TypeInfo(TableChangeSerializer.Factory.class)
public final class TableChange {
  public int table;

  /** {@link org.apache.flink.types.RowKind#toByteValue()}. */
  public byte kind;

  public byte[] row;

  public TableChange() {}

  TableChange(int table, byte kind, byte[] row) {
    this.table = table;
    this.kind = kind;
    this.row = row;
  }
}
