package dev.mzflink.sink;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.table.data.RowData;

/**
 * Collects the changes of one checkpoint interval as a compacted {@link ResultsBatch}; hands it to
 * the committer at the checkpoint barrier. Its state is its lineage and the next batch number, so
 * batches stay numbered without gaps across restarts.
 */
final class ResultsWriter
    implements CommittingSinkWriter<RowData, ResultsBatch>,
        StatefulSinkWriter<RowData, ResultsWriter.State> {
  /** The writer's checkpointed state. */
  record State(int subtask, String lineage, long nextSequence) {}

  private final RowData.FieldGetter[] fields;
  private final int[] keyPositions;
  private final int subtask;
  private final String lineage;
  private final boolean fresh;
  private long nextSequence;
  private Map<List<String>, String[]> upserts = new LinkedHashMap<>();
  private Map<List<String>, Integer> deltas = new LinkedHashMap<>();

  ResultsWriter(
      RowData.FieldGetter[] fields,
      int[] keyPositions,
      int subtask,
      String lineage,
      boolean fresh,
      long nextSequence) {
    this.fields = fields;
    this.keyPositions = keyPositions;
    this.subtask = subtask;
    this.lineage = lineage;
    this.fresh = fresh;
    this.nextSequence = nextSequence;
  }

  @Override
  public void write(RowData row, Context context) {
    String[] values = new String[fields.length];
    for (int i = 0; i < fields.length; i++) {
      values[i] = (String) fields[i].getFieldOrNull(row);
    }
    if (keyPositions.length > 0) {
      String[] key = new String[keyPositions.length];
      for (int i = 0; i < keyPositions.length; i++) {
        key[i] = values[keyPositions[i]];
      }
      switch (row.getRowKind()) {
        case INSERT, UPDATE_AFTER -> upserts.put(Arrays.asList(key), values);
        // UPDATE_BEFORE deletes its key, as in Flink's own upsert sinks: Flink still sends it when
        // a filter follows the update (a row updated so that it no longer passes a view's WHERE
        // has no UPDATE_AFTER), and an UPDATE_AFTER for the same key that follows upserts again.
        case DELETE, UPDATE_BEFORE -> upserts.put(Arrays.asList(key), null);
      }
    } else {
      int delta =
          switch (row.getRowKind()) {
            case INSERT, UPDATE_AFTER -> 1;
            case DELETE, UPDATE_BEFORE -> -1;
          };
      deltas.merge(Arrays.asList(values), delta, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  @Override
  public void flush(boolean endOfInput) {}

  @Override
  public Collection<ResultsBatch> prepareCommit() {
    // A fresh writer's first batch is sent even when empty: committing it replaces the rows an
    // earlier run left in the results table, also when this run has none to write.
    if (upserts.isEmpty() && deltas.isEmpty() && !(fresh && nextSequence == 1)) {
      return List.of();
    }
    ResultsBatch batch = new ResultsBatch(subtask, lineage, fresh, nextSequence++, upserts, deltas);
    upserts = new LinkedHashMap<>();
    deltas = new LinkedHashMap<>();
    return List.of(batch);
  }

  @Override
  public List<State> snapshotState(long checkpointId) {
    return List.of(new State(subtask, lineage, nextSequence));
  }

  @Override
  public void close() {}
}
