package dev.mzflink.sink;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.data.RowData;

/** The Flink sink of one results table: writers batch per checkpoint, the committer applies. */
final class ResultsSink
    implements Sink<RowData>,
        SupportsCommitter<ResultsBatch>,
        SupportsWriterState<RowData, ResultsWriter.State> {
  private static final long serialVersionUID = 1L;

  private final String url;
  private final ResultsTableName table;

  /** The table's CREATE TABLE column list, to create it when missing; null when not given. */
  private final String definition;

  private final String types;
  private final List<String> columns;
  private final RowData.FieldGetter[] fields;
  private final int[] keyPositions;

  ResultsSink(
      String url,
      ResultsTableName table,
      String definition,
      String types,
      List<String> columns,
      RowData.FieldGetter[] fields,
      int[] keyPositions) {
    this.url = url;
    this.table = table;
    this.definition = definition;
    this.types = types;
    this.columns = List.copyOf(columns);
    this.fields = fields;
    this.keyPositions = keyPositions;
  }

  @Override
  @Deprecated
  public SinkWriter<RowData> createWriter(InitContext context) {
    return new ResultsWriter(
        fields, keyPositions, context.getSubtaskId(), context.getJobId().toHexString(), true, 1);
  }

  @Override
  public SinkWriter<RowData> createWriter(WriterInitContext context) {
    return new ResultsWriter(
        fields,
        keyPositions,
        context.getTaskInfo().getIndexOfThisSubtask(),
        context.getJobInfo().getJobId().toHexString(),
        true,
        1);
  }

  @Override
  public StatefulSinkWriter<RowData, ResultsWriter.State> restoreWriter(
      WriterInitContext context, Collection<ResultsWriter.State> states) {
    int subtask = context.getTaskInfo().getIndexOfThisSubtask();
    long next = 1;
    String lineage = null;
    for (ResultsWriter.State state : states) {
      if (state.subtask() != subtask) {
        throw new IllegalStateException(
            String.format(
                "results sink %s: restored the state of writer %d into writer %d; changing the parallelism of a pipeline is not supported",
                table, state.subtask(), subtask));
      }
      next = Math.max(next, state.nextSequence());
      lineage = state.lineage();
    }
    if (lineage == null) {
      // The job was restored, but this sink has no state in it: a results table new since then.
      return new ResultsWriter(
          fields, keyPositions, subtask, context.getJobInfo().getJobId().toHexString(), true, 1);
    }
    return new ResultsWriter(fields, keyPositions, subtask, lineage, false, next);
  }

  @Override
  public SimpleVersionedSerializer<ResultsWriter.State> getWriterStateSerializer() {
    return new SimpleVersionedSerializer<>() {
      @Override
      public int getVersion() {
        return 3;
      }

      @Override
      public byte[] serialize(ResultsWriter.State state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(16);
        out.writeInt(state.subtask());
        out.writeUTF(state.lineage());
        out.writeLong(state.nextSequence());
        return out.getCopyOfBuffer();
      }

      @Override
      public ResultsWriter.State deserialize(int version, byte[] serialized) throws IOException {
        if (version != 3) {
          throw new IOException("unknown results writer state version " + version);
        }
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        return new ResultsWriter.State(in.readInt(), in.readUTF(), in.readLong());
      }
    };
  }

  @Override
  public Committer<ResultsBatch> createCommitter(CommitterInitContext context) {
    return new ResultsCommitter(
        url, table, java.util.Optional.ofNullable(definition), types, columns, keyPositions);
  }

  @Override
  public SimpleVersionedSerializer<ResultsBatch> getCommittableSerializer() {
    return new ResultsBatch.Serializer();
  }
}
