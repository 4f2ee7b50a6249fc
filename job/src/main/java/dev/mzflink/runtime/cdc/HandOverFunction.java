package dev.mzflink.runtime.cdc;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins each table's snapshot and its streamed changes exactly, keyed by table id. A table's
 * streamed changes wait until the table has a hand-over point: a locked snapshot's WAL position
 * (changes before it are in the snapshot and are dropped, those at or after it pass), or zero for a
 * table whose snapshot needs no hand-over ({@link ChangeRecord#SNAPSHOT_KNOWN}). Locked snapshot
 * rows pass at once. A table the pipeline did not know when its state was saved gets no such marker
 * and waits for its locked snapshot. See {@link LockedSnapshotSource} for why the position is
 * exact.
 */
final class HandOverFunction extends KeyedProcessFunction<String, ChangeRecord, ChangeRecord> {
  private static final long serialVersionUID = 1L;

  private final SourceLayout layout;
  private transient ValueState<Long> handOver;
  private transient ListState<ChangeRecord> waiting;

  HandOverFunction(SourceLayout layout) {
    this.layout = layout;
  }

  @Override
  public void open(Configuration parameters) {
    handOver =
        getRuntimeContext().getState(new ValueStateDescriptor<>("hand-over-lsn", Long.class));
    waiting =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>("waiting", TypeInformation.of(ChangeRecord.class)));
  }

  @Override
  public void processElement(ChangeRecord change, Context context, Collector<ChangeRecord> out)
      throws Exception {
    switch (change.kind) {
      case ChangeRecord.LOCKED_SNAPSHOT -> out.collect(change);
      case ChangeRecord.LOCKED_SNAPSHOT_DONE -> {
        release(context.getCurrentKey(), change.lsn, out);
        out.collect(change); // the normalizer reports the table's snapshot complete
      }
      case ChangeRecord.SNAPSHOT_KNOWN -> {
        if (handOver.value() == null) {
          release(context.getCurrentKey(), 0, out);
        }
      }
      default -> {
        Long lsn = handOver.value();
        if (lsn == null) {
          waiting.add(change);
        } else if (change.lsn >= lsn) {
          out.collect(change);
        }
      }
    }
  }

  /** Sets the table's hand-over point and lets the changes waiting for it through. */
  private void release(String tableId, long lsn, Collector<ChangeRecord> out) throws Exception {
    handOver.update(lsn);
    List<ChangeRecord> held = new ArrayList<>();
    for (ChangeRecord c : waiting.get()) {
      held.add(c);
    }
    waiting.clear();
    // Held changes may come from a restored state, when the table had another index.
    int index = layout.tableWithId(tableId).index;
    for (ChangeRecord c : held) {
      if (c.lsn >= lsn) {
        c.table = index;
        out.collect(c);
      }
    }
  }
}
