package dev.mzflink.source;

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
import org.apache.flink.types.StringValue;

/**
 * Writes a {@link ChangeRecord} field by field. A copy shares the row's bytes: nothing changes a
 * record's bytes once it is made.
 */
public final class ChangeRecordSerializer extends TypeSerializerSingleton<ChangeRecord> {
  private static final long serialVersionUID = 1L;

  public static final ChangeRecordSerializer INSTANCE = new ChangeRecordSerializer();

  /** What {@code TypeInformation.of(ChangeRecord.class)} gives (see the class's annotation). */
  public static final class Factory extends TypeInfoFactory<ChangeRecord> {
    @Override
    public TypeInformation<ChangeRecord> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return new FieldsTypeInfo<>(ChangeRecord.class, INSTANCE);
    }
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public ChangeRecord createInstance() {
    return new ChangeRecord();
  }

  @Override
  public ChangeRecord copy(ChangeRecord from) {
    return from.copy();
  }

  @Override
  public ChangeRecord copy(ChangeRecord from, ChangeRecord reuse) {
    return from.copy();
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(ChangeRecord r, DataOutputView out) throws IOException {
    out.writeInt(r.table);
    out.writeByte(r.kind);
    Bytes.write(r.row, out);
    out.writeLong(r.lsn);
    out.writeLong(r.gen);
    out.writeLong(r.unchangedToast);
    StringValue.writeString(r.key, out);
    out.writeLong(r.commitMillis);
    StringValue.writeString(r.error, out);
    out.writeLong(r.count);
  }

  @Override
  public ChangeRecord deserialize(DataInputView in) throws IOException {
    ChangeRecord r = new ChangeRecord();
    r.table = in.readInt();
    r.kind = in.readByte();
    r.row = Bytes.read(in);
    r.lsn = in.readLong();
    r.gen = in.readLong();
    r.unchangedToast = in.readLong();
    r.key = StringValue.readString(in);
    r.commitMillis = in.readLong();
    r.error = StringValue.readString(in);
    r.count = in.readLong();
    return r;
  }

  @Override
  public ChangeRecord deserialize(ChangeRecord reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    serialize(deserialize(in), out);
  }

  @Override
  public TypeSerializerSnapshot<ChangeRecord> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: it has no configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<ChangeRecord> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }

  /** A byte array that may be null: its length (-1 for null), then its bytes. */
  public static final class Bytes {
    private Bytes() {}

    public static void write(byte[] bytes, DataOutputView out) throws IOException {
      if (bytes == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }

    public static byte[] read(DataInputView in) throws IOException {
      int length = in.readInt();
      if (length < 0) {
        return null;
      }
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      return bytes;
    }
  }
}
