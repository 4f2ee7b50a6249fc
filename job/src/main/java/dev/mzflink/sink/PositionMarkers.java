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
 * transaction (the status table's {@code applied_lsn}), and the tables it holds back.
 *
 * <p>With aligned checkpoints every position the source emitted before a checkpoint's barrier is
 * here before that barrier, and every change before it is in the checkpoint's results. One
 * exception: a snapshot's last rows, read by other readers than the stream's, may cross the barrier
 * of the checkpoint in which the stream's first position arrives (each reader takes the barrier
 * when its own trigger comes). They are all before the next checkpoint's barriers (it is triggered
 * after that one completed), so the first position after an unknown one counts from the next
 * checkpoint on.
 *
 * <p>A source that streams and reads the snapshot of some tables beside it (new to a resumed
 * pipeline, or read again after their columns changed) says which ({@link SourcePosition#held}):
 * the results of those tables, and of the views that read them, wait until their snapshot is
 * complete and the stream has passed the point it was read at, while the others go on. The same
 * rule applies per table: a table the source no longer holds is held in the marker of the
 * checkpoint being taken too, and released from the next one on. That is only so once the results
 * hold a position of this source (a restored one, or one reached in this run): before, a table read
 * beside the stream holds them all, as the first snapshot does.
 *
 * <p>After a restore the position counts only once the restored stream has emitted one: until then
 * the source may be snapshotting tables anew, and the results must not show part of such a
 * snapshot. A restored stream emits its position first, with the tables it snapshots anew, which
 * counts at once (no snapshot rows can be in flight).
 */
final class PositionMarkers extends AbstractStreamOperator<Marker>
    implements OneInputStreamOperator<SourcePosition, Marker> {
  private static final long serialVersionUID = 1L;

  private final String source;
  private transient ListState<Long> state;
  private transient PositionHolds holds;

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
    long latest = -1;
    for (Long known : state.get()) {
      latest = Math.max(latest, known);
    }
    holds = new PositionHolds(latest);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    long marked = holds.marked();
    state.update(marked >= 0 ? List.of(marked) : List.of());
  }

  @Override
  public void processElement(StreamRecord<SourcePosition> element) {
    holds.accept(element.getValue());
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    PositionHolds.Mark mark = holds.mark();
    output.collect(
        new StreamRecord<>(Marker.position(source, checkpointId, mark.lsn(), mark.held())));
  }
}
