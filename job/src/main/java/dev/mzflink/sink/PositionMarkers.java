package dev.mzflink.sink;

import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Turns a source's positions into one {@link Marker} per checkpoint for the committer: the position
 * the checkpoint's results reflect, so that the commit of the checkpoint records it in the same
 * transaction (the status table's {@code applied_lsn}).
 *
 * <p>With aligned checkpoints every position the source emitted before a checkpoint's barrier is
 * here before that barrier, and every change before it is in the checkpoint's results. One
 * exception: a snapshot's last rows, read by other readers than the stream's, may cross the barrier
 * of the checkpoint in which the stream's first position arrives (each reader takes the barrier
 * when its own trigger comes). They are all before the next checkpoint's barriers (it is triggered
 * after that one completed), so the first position after an unknown one counts from the next
 * checkpoint on.
 *
 * <p>After a restore the position counts only once the restored stream has emitted one: until then
 * the source may be snapshotting tables anew (new to the pipeline, or re-read on request), and the
 * results must not show part of such a snapshot. A restored stream that snapshots nothing emits a
 * position first, which counts at once (no snapshot rows can be in flight); one that snapshots
 * emits "unknown" first, and its next position counts from the checkpoint after it, as above.
 */
final class PositionMarkers extends AbstractStreamOperator<Marker>
    implements OneInputStreamOperator<Long, Marker> {
  private static final long serialVersionUID = 1L;

  private final String source;
  private transient ListState<Long> state;
  private transient long latest;

  /** The position the marker of the checkpoint being taken carries (-1: not known). */
  private transient long marked;

  /** The latest position counts for the checkpoint being taken. */
  private transient boolean valid;

  /** A position arrived after an unknown one: it counts from the next checkpoint on. */
  private transient boolean arming;

  /** Restored, and nothing arrived since: a first position counts at once. */
  private transient boolean restored;

  PositionMarkers(String source) {
    this.source = source;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    state =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("known-position", Long.class));
    latest = -1;
    for (Long known : state.get()) {
      latest = Math.max(latest, known);
    }
    restored = latest >= 0;
    valid = false;
    marked = -1;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    state.update(marked >= 0 ? List.of(marked) : List.of());
  }

  @Override
  public void processElement(StreamRecord<Long> element) {
    long lsn = element.getValue();
    boolean first = restored;
    restored = false;
    if (lsn < 0) {
      latest = -1;
      valid = false;
      arming = false;
      return;
    }
    latest = Math.max(latest, lsn);
    if (first) {
      valid = true;
    } else if (!valid) {
      arming = true;
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    marked = valid ? latest : -1;
    output.collect(new StreamRecord<>(Marker.position(source, checkpointId, marked)));
    if (arming) {
      arming = false;
      valid = true;
    }
  }
}
