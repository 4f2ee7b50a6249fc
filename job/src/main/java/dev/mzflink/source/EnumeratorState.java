package dev.mzflink.source;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.Set;
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
 */
public record EnumeratorState(boolean streaming, Set<String> snapshotted) {
  public EnumeratorState {
    snapshotted = Set.copyOf(new TreeSet<>(requireNonNull(snapshotted, "snapshotted is null")));
  }

  /** Serializes the state into checkpoints. */
  public static final class Serializer implements SimpleVersionedSerializer<EnumeratorState> {
    private static final int VERSION = 1;

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
      }
      return out.getCopyOfBuffer();
    }

    @Override
    public EnumeratorState deserialize(int version, byte[] serialized) throws IOException {
      if (version != VERSION) {
        throw new IOException("unknown enumerator state version " + version);
      }
      DataInputDeserializer in = new DataInputDeserializer(serialized);
      boolean streaming = in.readBoolean();
      int n = in.readInt();
      Set<String> ids = new TreeSet<>();
      for (int i = 0; i < n; i++) {
        ids.add(in.readUTF());
      }
      return new EnumeratorState(streaming, ids);
    }
  }
}
