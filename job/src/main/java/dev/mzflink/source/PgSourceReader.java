package dev.mzflink.source;

import dev.mzflink.Failpoints;
import dev.mzflink.source.ReaderQueues.SnapshotBatch;
import dev.mzflink.source.ReaderQueues.StreamBatch;
import dev.mzflink.source.SourceEvents.SnapshotsDone;
import dev.mzflink.source.SourceEvents.SplitFinished;
import dev.mzflink.source.SourceEvents.StreamGo;
import dev.mzflink.source.SourceEvents.StreamReady;
import dev.mzflink.source.SourceEvents.TablesDropped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reader of a source, on a TaskManager: reads the snapshot ranges it is given (a worker thread
 * COPYs them) and, on one reader, the source's stream (a worker thread reads the slot), and emits
 * their records on the task thread.
 *
 * <p>A checkpoint never falls inside an upstream transaction: once the task thread starts emitting
 * a transaction it does not return to Flink (which takes checkpoints between calls) until the
 * transaction's last record is out, and the position it checkpoints is the end of the last
 * transaction it emitted whole. That position is confirmed to the slot when the checkpoint
 * completes, and not before.
 */
final class PgSourceReader implements SourceReader<ChangeRecord, PgSplit> {
  private static final Logger LOG = LoggerFactory.getLogger(PgSourceReader.class);

  /** How often a busy stream emits its position. */
  static final long POSITION_NANOS = 100_000_000L;

  private final SourceReaderContext context;
  private final SourceLayout layout;
  private final ReaderQueues queues = new ReaderQueues();
  private final List<Thread> threads = new ArrayList<>();
  private SnapshotWorker snapshots;
  private StreamWorker streamWorker;

  /** The stream this reader reads, with the position of the last transaction emitted whole. */
  private StreamSplit stream;

  /** A stream restored from a checkpoint, waiting for the enumerator's go. */
  private boolean waitingForGo;

  private boolean started;

  /** For the fail points: snapshot rows and streamed transactions emitted by this reader. */
  private long snapshotRowsEmitted;

  private long transactionsEmitted;

  private long streamCheckpoints;

  private long checkpointsCompleted;

  /** Markers to emit between two transactions of the stream. */
  private final List<ChangeRecord> markers = new ArrayList<>();

  /** The position last emitted as a {@link ChangeRecord#POSITION}, and when (nanoTime). */
  private long positionEmitted = -1;

  private long positionEmittedAt;

  /**
   * Tables whose snapshot beside the stream is read, until the stream has passed their hand-over
   * point: until then the results would show them ahead of the other tables.
   */
  private final Set<String> handingOver = new HashSet<>();

  /**
   * Tables snapshotted while the stream runs (new to a resumed pipeline, read again), until they
   * are done: the results of these tables wait (the position says them).
   */
  private final Set<String> snapshotting = new HashSet<>();

  /** A table of {@link #snapshotting} is read again on request: the whole source's results wait. */
  private boolean holdWhole;

  /** The tables the last position emitted said were held. */
  private String heldEmitted = "";

  /** Tables removed from the publication while this reader streams. */
  private final Set<Integer> stoppedTables = new HashSet<>();

  /** Per checkpoint taken and not yet completed, the stream position it holds. */
  private final NavigableMap<Long, Long> checkpointed = new TreeMap<>();

  PgSourceReader(SourceReaderContext context, SourceLayout layout) {
    this.context = context;
    this.layout = layout;
  }

  @Override
  public void start() {
    started = true;
    if (stream != null) {
      // Restored: the enumerator may snapshot tables anew, whose hand-over points the stream must
      // know before it reads.
      waitingForGo = true;
      context.sendSourceEventToCoordinator(new StreamReady());
    }
    context.sendSplitRequest();
  }

  @Override
  public void addSplits(List<PgSplit> splits) {
    for (PgSplit split : splits) {
      if (split instanceof SnapshotSplit s) {
        if (!started) {
          continue; // of a snapshot that is gone: the enumerator takes it again
        }
        snapshotWorker().add(s);
      } else if (split instanceof StreamSplit s) {
        stream = s;
        if (started) {
          Failpoints.hit(Failpoints.AFTER_SNAPSHOT);
          startStream();
        }
      }
    }
  }

  private SnapshotWorker snapshotWorker() {
    if (snapshots == null) {
      snapshots = new SnapshotWorker(layout, queues);
      spawn(snapshots, "snapshot");
    }
    return snapshots;
  }

  private void startStream() {
    streamWorker = new StreamWorker(layout, queues, stream.startLsn(), stream.handOver());
    stoppedTables.forEach(streamWorker::stopTable);
    spawn(streamWorker, "stream");
  }

  private void spawn(Runnable worker, String what) {
    Thread t =
        new Thread(
            worker, "mzflink " + what + " " + layout.slot + " #" + context.getIndexOfSubtask());
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  @Override
  public void handleSourceEvents(SourceEvent event) {
    if (event instanceof StreamGo go) {
      snapshotting.addAll(go.handOver().keySet());
      holdWhole = go.whole();
      stream = stream.withHandOver(go.handOver());
      if (!go.handOver().isEmpty()) {
        // Before anything of the stream: the results wait for these tables, or for the whole
        // source (see PositionMarkers).
        positionEmitted = holdWhole ? -1 : stream.startLsn();
        heldEmitted = holdWhole ? "" : held();
        markers.add(position(positionEmitted, heldEmitted));
        positionEmittedAt = System.nanoTime();
      }
      waitingForGo = false;
      startStream();
    } else if (event instanceof TablesDropped dropped) {
      for (TableLayout t : layout.tables) {
        String message = dropped.messages().get(t.id);
        if (message != null) {
          ChangeRecord marker =
              new ChangeRecord(
                  t.index,
                  ChangeRecord.TABLE_DROPPED,
                  null,
                  stream.startLsn(),
                  stream.handOver().getOrDefault(t.id, 0L));
          marker.key = t.id;
          marker.error = message;
          markers.add(marker);
          stoppedTables.add(t.index);
          if (streamWorker != null) {
            streamWorker.stopTable(t.index);
          }
        }
      }
    } else if (event instanceof SnapshotsDone done) {
      for (TableLayout t : layout.tables) {
        Long rows = done.rows().get(t.id);
        if (rows != null) {
          handingOver.add(t.id);
          ChangeRecord marker =
              new ChangeRecord(
                  t.index,
                  ChangeRecord.SNAPSHOT_DONE,
                  null,
                  stream.startLsn(),
                  stream.handOver().getOrDefault(t.id, 0L));
          marker.count = rows;
          markers.add(marker);
        }
      }
    } else {
      throw new IllegalStateException("unexpected source event " + event);
    }
  }

  @Override
  public InputStatus pollNext(ReaderOutput<ChangeRecord> output) throws Exception {
    queues.rethrow();
    if (!markers.isEmpty()) {
      // Between two transactions of the stream.
      for (ChangeRecord marker : markers) {
        output.collect(marker);
      }
      markers.clear();
      return InputStatus.MORE_AVAILABLE;
    }
    StreamBatch batch = queues.stream.poll();
    if (batch != null) {
      emitTransaction(batch, output);
      emitPosition(output, false);
      return InputStatus.MORE_AVAILABLE;
    }
    if (emitPosition(output, true)) {
      return InputStatus.MORE_AVAILABLE;
    }
    if (snapshotRowsEmitted >= 10_000
        && checkpointsCompleted == 0
        && !queues.snapshot.isEmpty()
        && Failpoints.pending(Failpoints.INSIDE_SNAPSHOT)) {
      // The fail point fires in a range a completed checkpoint holds part of: wait for one.
      Thread.sleep(20);
      return InputStatus.MORE_AVAILABLE;
    }
    SnapshotBatch rows = queues.snapshot.poll();
    if (rows != null) {
      for (ChangeRecord record : rows.records()) {
        output.collect(record);
      }
      snapshotRowsEmitted += rows.records().size();
      if (snapshotRowsEmitted >= 10_000 && checkpointsCompleted > 0) {
        Failpoints.hit(Failpoints.INSIDE_SNAPSHOT);
      }
      if (rows.finishedSplit() != null) {
        context.sendSourceEventToCoordinator(new SplitFinished(rows.finishedSplit(), rows.rows()));
        context.sendSplitRequest();
      }
      return InputStatus.MORE_AVAILABLE;
    }
    return InputStatus.NOTHING_AVAILABLE;
  }

  /**
   * Between two transactions of the stream: emits the stream's position when it moved, at once when
   * the stream has caught up ({@code idle}), otherwise at most every {@link #POSITION_NANOS}. While
   * tables are snapshotted beside the stream, it says them (their rows are not all out), and the
   * position is unknown (-1) while one is read again on request.
   */
  private boolean emitPosition(ReaderOutput<ChangeRecord> output, boolean idle) {
    if (stream == null || waitingForGo || streamWorker == null) {
      return false;
    }
    for (var it = handingOver.iterator(); it.hasNext(); ) {
      String id = it.next();
      if (stream.startLsn() >= stream.handOver().getOrDefault(id, 0L)) {
        snapshotting.remove(id);
        it.remove();
      }
    }
    if (snapshotting.isEmpty()) {
      holdWhole = false;
    }
    long position = holdWhole ? -1 : stream.startLsn();
    String held = holdWhole ? "" : held();
    long now = System.nanoTime();
    boolean changed =
        position < 0
            ? positionEmitted >= 0 || positionEmittedAt == 0 // unknown: said once
            : !held.equals(heldEmitted) // a table released: said at once
                || position > positionEmitted
                    && (idle || now - positionEmittedAt >= POSITION_NANOS);
    if (!changed) {
      return false;
    }
    output.collect(position(position, held));
    positionEmitted = position;
    heldEmitted = held;
    positionEmittedAt = now;
    return true;
  }

  /** The ids of the tables snapshotted beside the stream, sorted, separated by commas. */
  private String held() {
    return snapshotting.isEmpty() ? "" : String.join(",", new TreeSet<>(snapshotting));
  }

  /** A position record: {@code lsn} (-1: not known), the results of {@code held} waiting. */
  private static ChangeRecord position(long lsn, String held) {
    ChangeRecord record = new ChangeRecord(-1, ChangeRecord.POSITION, null, lsn, 0);
    record.key = held;
    return record;
  }

  /**
   * Emits {@code first} and, when it does not end its transaction, the batches after it up to the
   * one that does, before returning: no checkpoint between them.
   */
  private void emitTransaction(StreamBatch first, ReaderOutput<ChangeRecord> output)
      throws Exception {
    StreamBatch batch = first;
    long emitted = 0;
    while (true) {
      for (ChangeRecord record : batch.records()) {
        output.collect(record);
      }
      emitted += batch.records().size();
      if (batch.endOfTransaction()) {
        stream = stream.at(Math.max(stream.startLsn(), batch.endLsn()));
        if (emitted > 0) {
          transactionsEmitted++;
          Failpoints.hit(Failpoints.FIRST_TRANSACTION);
          if (transactionsEmitted >= 100 && streamCheckpoints >= 2) {
            Failpoints.hit(Failpoints.STEADY_STATE);
          }
        }
        return;
      }
      if (emitted >= 10_000) {
        Failpoints.hit(Failpoints.INSIDE_TRANSACTION);
      }
      StreamBatch next = null;
      while (next == null) {
        queues.rethrow();
        next = queues.stream.poll(100, TimeUnit.MILLISECONDS);
      }
      batch = next;
    }
  }

  @Override
  public List<PgSplit> snapshotState(long checkpointId) {
    if (stream == null) {
      // Snapshot ranges are not kept: a snapshot does not survive a restart and is taken again.
      return List.of();
    }
    checkpointed.put(checkpointId, stream.startLsn());
    return List.of(stream);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    checkpointsCompleted++;
    Map.Entry<Long, Long> latest = checkpointed.floorEntry(checkpointId);
    if (latest == null) {
      return;
    }
    long lsn = latest.getValue();
    checkpointed.headMap(checkpointId, true).clear();
    streamCheckpoints++;
    if (streamWorker != null && !waitingForGo) {
      streamWorker.confirm(lsn);
    }
  }

  @Override
  public CompletableFuture<Void> isAvailable() {
    return markers.isEmpty() ? queues.available() : CompletableFuture.completedFuture(null);
  }

  @Override
  public void notifyNoMoreSplits() {}

  @Override
  public void close() throws Exception {
    if (snapshots != null) {
      snapshots.stop();
    }
    if (streamWorker != null) {
      streamWorker.stop();
    }
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      t.join(10_000);
      if (t.isAlive()) {
        LOG.warn("{} did not stop within 10 s", t.getName());
      }
    }
  }
}
