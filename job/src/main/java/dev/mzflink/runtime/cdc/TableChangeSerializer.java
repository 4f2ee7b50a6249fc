package dev.mzflink.runtime.cdc;

import dev.mzflink.source.ChangeRecordSerializer.Bytes;
import dev.mzflink.source.FieldsTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link TableChange} field by field (see {@link FieldsTypeInfo}). A copy shares the row's
 * bytes: nothing changes them once the normalizer made them.
 */
public final class TableChangeSerializer extends TypeSerializerSingleton<TableChange> {
  private static final long serialVersionUID = 1L;

  public static final TableChangeSerializer INSTANCE = new TableChangeSerializer();

  /** What {@code TypeInformation.of(TableChange.class)} gives (see the class's annotation). */
  public static final class Factory extends TypeInfoFactory<TableChange> {
    @Override
    public TypeInformation<TableChange> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return new FieldsTypeInfo<>(TableChange.class, INSTANCE);
    }
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TableChange createInstance() {
    return new TableChange();
  }

  @Override
  public TableChange copy(TableChange from) {
    return new TableChange(from.table, from.kind, from.row);
  }

  @Override
  public TableChange copy(TableChange from, TableChange reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(TableChange c, DataOutputView out) throws IOException {
    out.writeInt(c.table);
    out.writeByte(c.kind);
    Bytes.write(c.row, out);
  }

  @Override
  public TableChange deserialize(DataInputView in) throws IOException {
    int table = in.readInt();
    byte kind = in.readByte();
    return new TableChange(table, kind, Bytes.read(in));
  }

  @Override
  public TableChange deserialize(TableChange reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    out.writeInt(in.readInt());
    out.writeByte(in.readByte());
    int length = in.readInt();
    out.writeInt(length);
    if (length > 0) {
      out.write(in, length);
    }
  }

  @Override
  public TypeSerializerSnapshot<TableChange> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: it has no configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<TableChange> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
