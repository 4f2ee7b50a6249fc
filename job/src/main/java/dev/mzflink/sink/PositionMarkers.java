package dev.mzflink.sink;

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
 */
final class PositionMarkers extends AbstractStreamOperator<Marker>
    implements OneInputStreamOperator<Long, Marker> {
  private static final long serialVersionUID = 1L;

  private final String source;
  private transient long latest;

  /** The latest position counts for the checkpoint being taken. */
  private transient boolean valid;

  /** A position arrived after an unknown one: it counts from the next checkpoint on. */
  private transient boolean arming;

  PositionMarkers(String source) {
    this.source = source;
  }

  @Override
  public void open() throws Exception {
    super.open();
    latest = -1;
  }

  @Override
  public void processElement(StreamRecord<Long> element) {
    long lsn = element.getValue();
    if (lsn < 0) {
      latest = -1;
      valid = false;
      arming = false;
      return;
    }
    latest = Math.max(latest, lsn);
    if (!valid) {
      arming = true;
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    output.collect(new StreamRecord<>(Marker.position(source, checkpointId, valid ? latest : -1)));
    if (arming) {
      arming = false;
      valid = true;
    }
  }
}
