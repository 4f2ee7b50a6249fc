package dev.mzflink.sink;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The changes one sink writer collected between two checkpoints, compacted: for a table with a
 * primary key the last row per key (or its deletion); for a key-less table the net number of copies
 * added or removed per distinct row. Committed in one transaction, at most once, in sequence order
 * per writer.
 *
 * @param subtask the writer subtask that made the batch
 * @param lineage the id of the job whose writer started without state; kept in the writer's state,
 *     so batches of another run of the pipeline are recognised
 * @param fresh whether the writer started without state in this job (a fresh start, or a results
 *     table new since the savepoint): its first batch may replace an earlier run's rows
 * @param sequence the writer's batch number, gap-free from 1
 * @param upserts per key: the row to upsert, or null to delete the key (keyed tables)
 * @param deltas per distinct row: copies to insert (positive) or delete (negative) (key-less)
 */
public record ResultsBatch(
    int subtask,
    String lineage,
    boolean fresh,
    long sequence,
    Map<List<String>, String[]> upserts,
    Map<List<String>, Integer> deltas) {
  public ResultsBatch {
    requireNonNull(lineage, "lineage is null");
    requireNonNull(upserts, "upserts is null");
    requireNonNull(deltas, "deltas is null");
  }

  public int size() {
    return upserts.size() + deltas.size();
  }

  /** Serializes batches into checkpoints: version 1. */
  public static final class Serializer implements SimpleVersionedSerializer<ResultsBatch> {
    @Override
    public int getVersion() {
      return 3;
    }

    @Override
    public byte[] serialize(ResultsBatch batch) throws IOException {
      DataOutputSerializer out = new DataOutputSerializer(1024);
      out.writeInt(batch.subtask());
      out.writeUTF(batch.lineage());
      out.writeBoolean(batch.fresh());
      out.writeLong(batch.sequence());
      out.writeInt(batch.upserts().size());
      for (Map.Entry<List<String>, String[]> e : batch.upserts().entrySet()) {
        writeValues(out, e.getKey().toArray(new String[0]));
        out.writeBoolean(e.getValue() != null);
        if (e.getValue() != null) {
          writeValues(out, e.getValue());
        }
      }
      out.writeInt(batch.deltas().size());
      for (Map.Entry<List<String>, Integer> e : batch.deltas().entrySet()) {
        writeValues(out, e.getKey().toArray(new String[0]));
        out.writeInt(e.getValue());
      }
      return out.getCopyOfBuffer();
    }

    @Override
    public ResultsBatch deserialize(int version, byte[] serialized) throws IOException {
      if (version != 3) {
        throw new IOException("unknown results batch version " + version);
      }
      DataInputDeserializer in = new DataInputDeserializer(serialized);
      int subtask = in.readInt();
      String lineage = in.readUTF();
      boolean fresh = in.readBoolean();
      long sequence = in.readLong();
      int upsertCount = in.readInt();
      Map<List<String>, String[]> upserts = new LinkedHashMap<>();
      for (int i = 0; i < upsertCount; i++) {
        List<String> key = Arrays.asList(readValues(in));
        upserts.put(key, in.readBoolean() ? readValues(in) : null);
      }
      int deltaCount = in.readInt();
      Map<List<String>, Integer> deltas = new LinkedHashMap<>();
      for (int i = 0; i < deltaCount; i++) {
        deltas.put(Arrays.asList(readValues(in)), in.readInt());
      }
      return new ResultsBatch(subtask, lineage, fresh, sequence, upserts, deltas);
    }

    private static void writeValues(DataOutputSerializer out, String[] values) throws IOException {
      out.writeInt(values.length);
      for (String v : values) {
        out.writeBoolean(v != null);
        if (v != null) {
          byte[] bytes = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          out.writeInt(bytes.length);
          out.write(bytes);
        }
      }
    }

    private static String[] readValues(DataInputDeserializer in) throws IOException {
      int n = in.readInt();
      List<String> values = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        if (in.readBoolean()) {
          byte[] bytes = new byte[in.readInt()];
          in.readFully(bytes);
          values.add(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        } else {
          values.add(null);
        }
      }
      return values.toArray(new String[0]);
    }
  }
}
