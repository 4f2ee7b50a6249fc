package dev.mzflink.source;

import dev.mzflink.source.PgReplication.CreatedSlot;
import dev.mzflink.source.SourceEvents.SnapshotsDone;
import dev.mzflink.source.SourceEvents.SplitFinished;
import dev.mzflink.source.SourceEvents.StreamGo;
import dev.mzflink.source.SourceEvents.StreamReady;
import dev.mzflink.status.SourceStatuses;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what the readers of a source read, on the JobManager.
 *
 * <p>A first start creates the source's replication slot, which exports a snapshot at the slot's
 * consistent point; every table is cut into ranges of pages that readers COPY in that snapshot (in
 * parallel, no locks), the source reports that it is processing a backlog meanwhile, and when every
 * range is read the connection holding the snapshot closes and one reader streams the slot from its
 * consistent point. The stream then holds each table exactly: the snapshot has every transaction
 * that committed before that point, the stream every one after.
 *
 * <p>An exported snapshot does not survive a restart, so an interrupted snapshot is taken again:
 * restored before the stream started, the slot is created anew and every table is read again (the
 * rows of the first attempt are retracted, see {@link ChangeRecord#RESET}); restored while
 * streaming, a table whose snapshot was not complete (or that is new to the pipeline) is read at a
 * snapshot a temporary slot exports, and the stream drops that table's changes from before it.
 */
final class PgSplitEnumerator implements SplitEnumerator<PgSplit, EnumeratorState> {
  private static final Logger LOG = LoggerFactory.getLogger(PgSplitEnumerator.class);

  /** The smallest range a table is cut into, in 8 kB pages. */
  static final long MIN_PAGES = 1024;

  /** The largest range, in pages (1 GB). */
  static final long MAX_PAGES = 131_072;

  private final SplitEnumeratorContext<PgSplit> context;
  private final SourceLayout layout;
  private final Optional<EnumeratorState> restored;

  private boolean streaming;
  private final Set<String> snapshotted = new TreeSet<>();

  private final Deque<SnapshotSplit> pending = new ArrayDeque<>();
  private final Set<String> outstanding = new LinkedHashSet<>();
  private final Map<String, Integer> remainingOfTable = new HashMap<>();
  private final Map<String, Long> rowsOfTable = new HashMap<>();

  /** The reader that streams, once known. */
  private int streamSubtask = -1;

  /**
   * The tables of the first snapshot that are complete, with their rows, until the stream starts.
   */
  private final Map<String, Long> firstSnapshot = new TreeMap<>();

  private final Set<Integer> waiting = new LinkedHashSet<>();
  private boolean preparing;
  private long initialLsn;

  /** The replication connection whose exported snapshot the readers are reading in. */
  private Connection exporting;

  PgSplitEnumerator(
      SplitEnumeratorContext<PgSplit> context,
      SourceLayout layout,
      Optional<EnumeratorState> restored) {
    this.context = context;
    this.layout = layout;
    this.restored = restored;
    restored.ifPresent(
        s -> {
          streaming = s.streaming();
          snapshotted.addAll(s.snapshotted());
        });
  }

  @Override
  public void start() {
    if (streaming) {
      // The reader that holds the restored stream announces itself (StreamReady).
      return;
    }
    // A first start, or a snapshot that was interrupted: (again) from a new slot.
    boolean again = restored.isPresent();
    snapshotted.clear();
    preparing = true;
    context.setIsProcessingBacklog(true);
    context.callAsync(
        () -> prepareFirstSnapshot(again),
        (prepared, error) -> {
          if (error != null) {
            throw failure("could not start the snapshot of source " + layout.source, error);
          }
          exporting = prepared.connection();
          initialLsn = prepared.slot().consistentLsn();
          LOG.info(
              "Snapshot of {} at {}: {} ranges of {} tables",
              layout.source,
              PgReplication.lsn(initialLsn),
              prepared.splits().size(),
              layout.tables.size());
          addPending(prepared.splits());
          preparing = false;
          assignWaiting();
        });
  }

  /** A snapshot being prepared: the connection that holds it, the slot, and the ranges. */
  private record Prepared(Connection connection, CreatedSlot slot, List<SnapshotSplit> splits) {}

  /** Creates the source's slot (replacing an inactive earlier one) and cuts every table. */
  private Prepared prepareFirstSnapshot(boolean again) throws SQLException {
    Connection replication = PgReplication.replicationConnection(layout, "snapshot");
    try {
      Optional<PgReplication.Slot> existing = PgReplication.slot(replication, layout.slot);
      if (existing.isPresent()) {
        if (existing.get().active()) {
          throw new SuppressRestartsException(
              new IllegalStateException(
                  String.format(
                      "replication slot %s of source %s is in use by another process (pid %d): another"
                          + " pipeline reads it. Stop that pipeline, or give this one another"
                          + " --slot-suffix",
                      layout.slot, layout.source, existing.get().activePid())));
        }
        // Left by an earlier run of the pipeline (or an attempt of this one that failed before
        // its first checkpoint): a new snapshot needs a new slot.
        PgReplication.dropSlot(replication, layout.slot);
        LOG.info("Dropped the earlier replication slot {} to snapshot again", layout.slot);
      }
      CreatedSlot slot = PgReplication.createSlot(replication, layout.slot, false);
      return new Prepared(replication, slot, ranges(layout.tables, slot, again));
    } catch (SQLException | RuntimeException e) {
      replication.close();
      throw e;
    }
  }

  /** The ranges of {@code tables} in the snapshot {@code slot} exported. */
  private List<SnapshotSplit> ranges(List<TableLayout> tables, CreatedSlot slot, boolean reset)
      throws SQLException {
    try (Connection c = PgReplication.connect(layout, "catalog")) {
      return TableRanges.splits(c, tables, slot, reset, context.currentParallelism());
    }
  }

  private void addPending(List<SnapshotSplit> splits) {
    for (SnapshotSplit split : splits) {
      pending.add(split);
      remainingOfTable.merge(split.tableId(), 1, Integer::sum);
    }
  }

  @Override
  public void handleSplitRequest(int subtask, String host) {
    waiting.add(subtask);
    assignWaiting();
  }

  /** Gives each waiting reader a range, while there are ranges to read. */
  private void assignWaiting() {
    if (preparing) {
      return;
    }
    for (var it = waiting.iterator(); it.hasNext() && !pending.isEmpty(); ) {
      int subtask = it.next();
      if (!context.registeredReaders().containsKey(subtask)) {
        it.remove();
        continue;
      }
      SnapshotSplit split = pending.poll();
      outstanding.add(split.splitId());
      context.assignSplit(split, subtask);
      it.remove();
    }
  }

  @Override
  public void handleSourceEvent(int subtask, SourceEvent event) {
    if (event instanceof SplitFinished finished) {
      splitFinished(subtask, finished.splitId(), finished.rows());
    } else if (event instanceof StreamReady) {
      streamReady(subtask);
    } else {
      throw new IllegalStateException("unexpected source event " + event);
    }
  }

  private void splitFinished(int subtask, String splitId, long rows) {
    if (!outstanding.remove(splitId)) {
      return;
    }
    String tableId = tableIdOf(splitId);
    long tableRows = rowsOfTable.merge(tableId, rows, Long::sum);
    Map<String, Long> done = new TreeMap<>();
    if (remainingOfTable.merge(tableId, -1, Integer::sum) == 0) {
      remainingOfTable.remove(tableId);
      rowsOfTable.remove(tableId);
      snapshotted.add(tableId);
      done.put(tableId, tableRows);
      LOG.info("Snapshot of table {} of {} complete: {} rows", tableId, layout.source, tableRows);
    }
    if (outstanding.isEmpty() && pending.isEmpty()) {
      closeExporting();
      if (!streaming) {
        // Every range of the first snapshot is read: the stream takes over at the slot's start.
        Map<String, Long> handOver = new TreeMap<>();
        for (TableLayout table : layout.tables) {
          handOver.put(table.id, initialLsn);
        }
        streaming = true;
        streamSubtask = subtask;
        context.assignSplit(new StreamSplit(initialLsn, handOver), subtask);
        context.setIsProcessingBacklog(false);
        LOG.info("Source {} streams from {}", layout.source, PgReplication.lsn(initialLsn));
        done.putAll(firstSnapshot);
        firstSnapshot.clear();
      }
    }
    if (!done.isEmpty()) {
      if (streamSubtask < 0) {
        firstSnapshot.putAll(done); // told when the stream starts
      } else {
        context.sendEventToSourceReader(streamSubtask, new SnapshotsDone(done));
      }
    }
  }

  private static String tableIdOf(String splitId) {
    // snapshot-<tableId>-<gen>-<page>
    String rest = splitId.substring("snapshot-".length());
    return rest.substring(0, rest.indexOf('-'));
  }

  /**
   * The reader with the restored stream is ready: tables new to the pipeline, or whose snapshot was
   * interrupted, are snapshotted at a point a temporary slot exports, and their changes before it
   * are dropped; then the stream goes on.
   */
  private void streamReady(int subtask) {
    streamSubtask = subtask;
    List<TableLayout> unread = new ArrayList<>();
    for (TableLayout table : layout.tables) {
      if (!snapshotted.contains(table.id)) {
        unread.add(table);
      }
    }
    if (unread.isEmpty()) {
      context.sendEventToSourceReader(subtask, new StreamGo(Map.of()));
      return;
    }
    preparing = true;
    context.callAsync(
        () -> {
          Connection replication = PgReplication.replicationConnection(layout, "snapshot");
          try {
            CreatedSlot slot = PgReplication.createSlot(replication, layout.slot + "_t", true);
            return new Prepared(replication, slot, ranges(unread, slot, true));
          } catch (SQLException | RuntimeException e) {
            replication.close();
            throw e;
          }
        },
        (prepared, error) -> {
          if (error != null) {
            throw failure("could not snapshot the new tables of source " + layout.source, error);
          }
          exporting = prepared.connection();
          Map<String, Long> handOver = new TreeMap<>();
          for (TableLayout table : unread) {
            handOver.put(table.id, prepared.slot().consistentLsn());
          }
          LOG.info(
              "Source {}: snapshotting {} table(s) new to the pipeline at {}",
              layout.source,
              unread.size(),
              PgReplication.lsn(prepared.slot().consistentLsn()));
          context.sendEventToSourceReader(subtask, new StreamGo(handOver));
          addPending(prepared.splits());
          preparing = false;
          assignWaiting();
        });
  }

  private RuntimeException failure(String what, Throwable error) {
    Throwable cause = error;
    if (cause instanceof SuppressRestartsException s && s.getCause() != null) {
      cause = s.getCause();
    }
    String message = what + ": " + cause.getMessage();
    if (error instanceof SuppressRestartsException) {
      SourceStatuses.mark(
          layout.resultsUrl, layout.source, List.of(), SourceStatuses.Status.ERRORED, message);
      return new SuppressRestartsException(new IllegalStateException(message, cause));
    }
    return new IllegalStateException(message, cause);
  }

  @Override
  public void addSplitsBack(List<PgSplit> splits, int subtask) {
    // Assigned after the checkpoint this enumerator was restored from: a snapshot range belongs to
    // a snapshot that no longer exists and is taken again; the stream is restored by its reader.
    LOG.info("Source {}: {} split(s) of an earlier attempt returned", layout.source, splits.size());
  }

  @Override
  public void addReader(int subtask) {}

  @Override
  public EnumeratorState snapshotState(long checkpointId) {
    return new EnumeratorState(streaming, snapshotted);
  }

  private void closeExporting() {
    if (exporting != null) {
      try {
        exporting.close();
      } catch (SQLException e) {
        LOG.info("Closing the snapshot connection of {}: {}", layout.source, e.getMessage());
      }
      exporting = null;
    }
  }

  @Override
  public void close() {
    closeExporting();
  }
}
