package dev.mzflink.runtime.cdc;

import dev.mzflink.sink.SourcePosition;
import dev.mzflink.source.ChangeRecord;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sends a TRUNCATE, a RESET and a SNAPSHOT_DONE to every subtask of the normalizer, in line with
 * the table's other changes: one copy per subtask, each with a key that the key-by assigns to that
 * subtask. The source's positions leave by {@link #POSITIONS}. The other records pass unchanged.
 */
final class TruncateFanOut extends ProcessFunction<ChangeRecord, ChangeRecord> {
  private static final long serialVersionUID = 1L;

  /**
   * The source's positions (-1: unknown, a snapshot is being read), with the tables read beside the
   * stream.
   */
  static final OutputTag<SourcePosition> POSITIONS = new OutputTag<>("positions") {};

  /** The keys that reach subtask 0, 1, ... of the normalizer. */
  private final String[] subtaskKeys;

  TruncateFanOut(int parallelism, int maxParallelism) {
    subtaskKeys = new String[parallelism];
    int found = 0;
    for (int n = 0; found < parallelism; n++) {
      String key = "truncate:" + n;
      int subtask =
          KeyGroupRangeAssignment.assignKeyToParallelOperator(key, maxParallelism, parallelism);
      if (subtaskKeys[subtask] == null) {
        subtaskKeys[subtask] = key;
        found++;
      }
    }
  }

  @Override
  public void processElement(ChangeRecord change, Context context, Collector<ChangeRecord> out) {
    if (change.kind == ChangeRecord.POSITION) {
      context.output(POSITIONS, new SourcePosition(change.lsn, change.key));
      return;
    }
    if (change.kind != ChangeRecord.TRUNCATE
        && change.kind != ChangeRecord.RESET
        && change.kind != ChangeRecord.SNAPSHOT_DONE) {
      out.collect(change);
      return;
    }
    for (String key : subtaskKeys) {
      ChangeRecord copy = change.copy();
      copy.key = key;
      out.collect(copy);
    }
  }
}
