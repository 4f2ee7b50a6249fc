package dev.mzflink.source;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * What the split enumerator keeps in a checkpoint.
 *
 * @param streaming whether the source's first snapshot was complete and its stream assigned
 * @param snapshotted the state ids of the tables whose snapshot is complete: a table of the plan
 *     not among them (new to the pipeline, or interrupted) is snapshotted on restore
 * @param names per snapshotted state id, the table and view it is ({@link TableLayout#name()}): a
 *     table of the plan under a new id whose name is here was read otherwise before (other columns
 *     or types), and is not snapshotted beside its old rows (empty in a state of version 1)
 */
public record EnumeratorState(
    boolean streaming, Set<String> snapshotted, Map<String, String> names) {
  public EnumeratorState {
    snapshotted = Set.copyOf(new TreeSet<>(requireNonNull(snapshotted, "snapshotted is null")));
    names = Map.copyOf(requireNonNull(names, "names is null"));
  }

  /** Serializes the state into checkpoints. */
  public static final class Serializer implements SimpleVersionedSerializer<EnumeratorState> {
    private static final int VERSION = 2;

    @Override
    public int getVersion() {
      return VERSION;
    }

    @Override
    public byte[] serialize(EnumeratorState state) throws IOException {
      DataOutputSerializer out = new DataOutputSerializer(64);
      out.writeBoolean(state.streaming());
      out.writeInt(state.snapshotted().size());
      for (String id : new TreeSet<>(state.snapshotted())) {
        out.writeUTF(id);
        out.writeUTF(state.names().getOrDefault(id, ""));
      }
      return out.getCopyOfBuffer();
    }

    @Override
    public EnumeratorState deserialize(int version, byte[] serialized) throws IOException {
      if (version != 1 && version != VERSION) {
        throw new IOException("unknown enumerator state version " + version);
      }
      DataInputDeserializer in = new DataInputDeserializer(serialized);
      boolean streaming = in.readBoolean();
      int n = in.readInt();
      Set<String> ids = new TreeSet<>();
      Map<String, String> names = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        String id = in.readUTF();
        ids.add(id);
        if (version >= 2) {
          String name = in.readUTF();
          if (!name.isEmpty()) {
            names.put(id, name);
          }
        }
      }
      return new EnumeratorState(streaming, ids, names);
    }
  }
}
