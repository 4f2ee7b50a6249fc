package dev.mzflink.source;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Serializes {@link PgSplit}s into checkpoints and for their assignment to readers. */
public final class PgSplitSerializer implements SimpleVersionedSerializer<PgSplit> {
  private static final int VERSION = 1;
  private static final byte SNAPSHOT = 1;
  private static final byte STREAM = 2;

  @Override
  public int getVersion() {
    return VERSION;
  }

  @Override
  public byte[] serialize(PgSplit split) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    if (split instanceof SnapshotSplit s) {
      out.writeByte(SNAPSHOT);
      out.writeInt(s.table());
      out.writeUTF(s.tableId());
      out.writeLong(s.fromPage());
      out.writeLong(s.toPage());
      out.writeUTF(s.snapshot());
      out.writeLong(s.gen());
      out.writeBoolean(s.reset());
    } else if (split instanceof StreamSplit s) {
      out.writeByte(STREAM);
      out.writeLong(s.startLsn());
      out.writeInt(s.handOver().size());
      for (Map.Entry<String, Long> e : new TreeMap<>(s.handOver()).entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
    } else {
      throw new IllegalStateException("unknown split " + split);
    }
    return out.getCopyOfBuffer();
  }

  @Override
  public PgSplit deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION) {
      throw new IOException("unknown split version " + version);
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    byte kind = in.readByte();
    switch (kind) {
      case SNAPSHOT:
        return new SnapshotSplit(
            in.readInt(),
            in.readUTF(),
            in.readLong(),
            in.readLong(),
            in.readUTF(),
            in.readLong(),
            in.readBoolean());
      case STREAM:
        long start = in.readLong();
        int n = in.readInt();
        Map<String, Long> handOver = new TreeMap<>();
        for (int i = 0; i < n; i++) {
          handOver.put(in.readUTF(), in.readLong());
        }
        return new StreamSplit(start, handOver);
      default:
        throw new IOException("unknown split kind " + kind);
    }
  }
}
