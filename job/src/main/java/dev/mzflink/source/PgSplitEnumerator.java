package dev.mzflink.source;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.pg.ReplicationSlots;
import dev.mzflink.source.PgReplication.CreatedSlot;
import dev.mzflink.source.SourceEvents.SnapshotsDone;
import dev.mzflink.source.SourceEvents.SplitFinished;
import dev.mzflink.source.SourceEvents.StreamGo;
import dev.mzflink.source.SourceEvents.StreamReady;
import dev.mzflink.source.SourceEvents.TablesDropped;
import dev.mzflink.status.RefreshRequests;
import dev.mzflink.status.RefreshRequests.Request;
import dev.mzflink.status.SlotRegistry;
import dev.mzflink.status.SourceStatuses;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
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
 * <p>An exported snapshot does not survive its connection, so a snapshot that a failure interrupted
 * is read again: ranges whose rows were lost are read again in the same snapshot while it is held;
 * otherwise, before the stream started, the slot is created anew and every table is read again (the
 * rows of the first attempt are retracted, see {@link ChangeRecord#RESET}); while streaming, a
 * table whose snapshot was not complete (or that is new to the pipeline) is read at a snapshot a
 * temporary slot exports, and the stream drops that table's changes from before it.
 *
 * <p>A table is re-read on request ({@link RefreshIntake}): the job fails on purpose, and the
 * restored stream snapshots the table anew like a table new to the pipeline. Tables removed from
 * the publication are reported ({@link PublicationWatch}).
 */
final class PgSplitEnumerator implements SplitEnumerator<PgSplit, EnumeratorState> {
  private static final Logger LOG = LoggerFactory.getLogger(PgSplitEnumerator.class);

  /** The smallest range a table is cut into, in 8 kB pages. */
  static final long MIN_PAGES = 1024;

  /** The largest range, in pages (1 GB). */
  static final long MAX_PAGES = 131_072;

  /** How long an earlier attempt's walsender may hold the slot before it counts as another's. */
  static final long SLOT_RELEASE_MILLIS = 30_000;

  private final SplitEnumeratorContext<PgSplit> context;
  private final SourceLayout layout;
  private final Optional<EnumeratorState> restored;
  private final RefreshIntake refreshes;
  private final PublicationWatch publication;

  private boolean streaming;
  private final Set<String> snapshotted = new TreeSet<>();

  /** The names of the restored state's snapshotted tables, by state id (see EnumeratorState). */
  private final Map<String, String> restoredNames = new TreeMap<>();

  private final Deque<SnapshotSplit> pending = new ArrayDeque<>();
  private final Set<String> outstanding = new LinkedHashSet<>();
  private final Map<String, Integer> remainingOfTable = new HashMap<>();
  private final Map<String, Long> rowsOfSplit = new HashMap<>();

  /** Per reader, the ranges of the snapshot held that it was given (finished or not). */
  private final Map<Integer, Set<String>> rangesOfReader = new HashMap<>();

  private final Set<Integer> waiting = new LinkedHashSet<>();
  private boolean preparing;
  private long initialLsn;

  /** The reader that streams, once known. */
  private int streamSubtask = -1;

  /** The tables of the first snapshot that are complete, with their rows, until it streams. */
  private final Map<String, Long> firstSnapshot = new TreeMap<>();

  /** The replication connection whose exported snapshot the readers are reading in. */
  private Connection exporting;

  private String exportedSnapshot;

  /** How often the refresh requests are looked for. */
  static final long REFRESH_POLL_MILLIS = 2000;

  /** Per table id being re-read on request, the ids of its requests. */
  private final Map<String, List<Long>> refreshing = new HashMap<>();

  /** The requests of a re-read are being prepared, or the job is failing to take them. */
  private boolean refreshPending;

  /** A checkpoint taken while streaming; and one such checkpoint completed. */
  private long streamingCheckpoint = -1;

  private boolean streamingCheckpointed;

  PgSplitEnumerator(
      SplitEnumeratorContext<PgSplit> context,
      SourceLayout layout,
      Optional<EnumeratorState> restored) {
    this.context = context;
    this.layout = layout;
    this.restored = restored;
    this.refreshes = new RefreshIntake(layout);
    this.publication = new PublicationWatch(layout);
    restored.ifPresent(
        s -> {
          streaming = s.streaming();
          snapshotted.addAll(s.snapshotted());
          restoredNames.putAll(s.names());
        });
  }

  @Override
  public void start() {
    context.callAsync(
        refreshes::open, this::takeRequests, REFRESH_POLL_MILLIS, REFRESH_POLL_MILLIS);
    context.callAsync(
        publication::unpublished,
        (gone, error) -> {
          boolean reporting = streaming && streamSubtask >= 0 && !preparing;
          Map<String, String> news = publication.news(gone, reporting);
          if (reporting && !news.isEmpty()) {
            context.sendEventToSourceReader(streamSubtask, new TablesDropped(news));
          }
        },
        PublicationWatch.POLL_MILLIS,
        PublicationWatch.POLL_MILLIS);
    if (streaming) {
      // The reader that holds the restored stream announces itself (StreamReady).
      return;
    }
    // A first start, or a snapshot that was interrupted: (again) from a new slot.
    takeFirstSnapshot(restored.isPresent());
  }

  /** Creates the slot (anew) and cuts every table into ranges of its exported snapshot. */
  private void takeFirstSnapshot(boolean again) {
    forgetSnapshot();
    snapshotted.clear();
    firstSnapshot.clear();
    streaming = false;
    streamSubtask = -1;
    streamingCheckpoint = -1;
    streamingCheckpointed = false;
    refreshing.clear();
    preparing = true;
    context.setIsProcessingBacklog(true);
    context.callAsync(
        () -> prepareFirstSnapshot(again),
        (prepared, error) -> {
          if (error != null) {
            throw failure("could not start the snapshot of source " + layout.source, error);
          }
          export(prepared);
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
  private Prepared prepareFirstSnapshot(boolean again) throws Exception {
    Connection replication = PgReplication.replicationConnection(layout, "snapshot");
    try {
      String system = ReplicationSlots.identifySystem(replication);
      releaseEarlierSlot(replication, system);
      CreatedSlot slot = PgReplication.createSlot(replication, layout.slot, false);
      try {
        recordCreated(system, slot);
      } catch (SQLException e) {
        // Unrecorded, the slot would not be provably this pipeline's at the next attempt.
        try {
          PgReplication.dropSlot(replication, layout.slot);
        } catch (SQLException dropFailed) {
          e.addSuppressed(dropFailed);
        }
        throw e;
      }
      return new Prepared(replication, slot, ranges(layout.tables, slot, again));
    } catch (Exception e) {
      replication.close();
      throw e;
    }
  }

  /**
   * Drops the slot an earlier run (or an earlier attempt of this job) left, once no walsender reads
   * it: an attempt that failed a moment ago may still be letting go of it. A slot read for longer
   * belongs to another pipeline, and so does one the results database's slot registry does not
   * record as this pipeline's: both are left alone, and the source stops.
   */
  private void releaseEarlierSlot(Connection replication, String system) throws Exception {
    long deadline = System.currentTimeMillis() + SLOT_RELEASE_MILLIS;
    while (true) {
      Optional<PgReplication.Slot> existing = PgReplication.slot(replication, layout.slot);
      if (existing.isEmpty()) {
        return;
      }
      if (!existing.get().active()) {
        if (!recordedAsOurs(system)) {
          throw new SuppressRestartsException(
              new IllegalStateException(
                  String.format(
                      "replication slot %s of source %s exists and is not recorded as this"
                          + " pipeline's in the results database (%s): it is left in place. Give"
                          + " this pipeline its own slot with --slot-suffix, or drop that slot"
                          + " with mzflink slots drop if nothing needs it",
                      layout.slot, layout.source, SlotRegistry.TABLE)));
        }
        PgReplication.dropSlot(replication, layout.slot);
        LOG.info("Dropped the earlier replication slot {} to snapshot again", layout.slot);
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new SuppressRestartsException(
            new IllegalStateException(
                String.format(
                    "replication slot %s of source %s is in use by another process (pid %d):"
                        + " another pipeline reads it. Stop that pipeline, or give this one"
                        + " another --slot-suffix",
                    layout.slot, layout.source, existing.get().activePid())));
      }
      Thread.sleep(200);
    }
  }

  private SlotRegistry.Owner owner() {
    return new SlotRegistry.Owner(layout.database, layout.source);
  }

  /** Whether the slot registry of the results database records the source's slot as its own. */
  private boolean recordedAsOurs(String system) throws SQLException {
    try (Connection results = PgConnections.connect(layout.resultsUrl, new Properties())) {
      // Recorded as created by this pipeline, not only claimed: two pipelines of one slot name
      // started at once both claim it, and the one that lost the race must not drop it.
      return SlotRegistry.find(results, system, layout.slot)
          .map(e -> e.owner().equals(owner()) && e.createdLsn().isPresent())
          .orElse(false);
    }
  }

  /** Records in the slot registry that the source created its slot, and where it starts. */
  private void recordCreated(String system, CreatedSlot slot) throws SQLException {
    try (Connection results = PgConnections.connect(layout.resultsUrl, new Properties())) {
      SlotRegistry.recordCreated(
          results,
          system,
          layout.slot,
          owner(),
          layout.pipeline,
          PgReplication.lsn(slot.consistentLsn()));
    }
  }

  /** The ranges of {@code tables} in the snapshot {@code slot} exported. */
  private List<SnapshotSplit> ranges(List<TableLayout> tables, CreatedSlot slot, boolean reset)
      throws SQLException {
    try (Connection c = PgReplication.connect(layout, "catalog")) {
      return TableRanges.splits(c, tables, slot, reset, context.currentParallelism());
    }
  }

  private void export(Prepared prepared) {
    exporting = prepared.connection();
    exportedSnapshot = prepared.slot().snapshot();
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
    // Beside a restored stream, not before a checkpoint of it completed: that checkpoint, not held
    // up by snapshot rows before its barriers, lets the other tables' results go on at once.
    if (preparing || (streaming && !streamingCheckpointed)) {
      return;
    }
    for (var it = waiting.iterator(); it.hasNext() && !pending.isEmpty(); ) {
      int subtask = it.next();
      it.remove();
      if (!context.registeredReaders().containsKey(subtask)) {
        continue;
      }
      SnapshotSplit split = pending.poll();
      outstanding.add(split.splitId());
      rangesOfReader.computeIfAbsent(subtask, k -> new HashSet<>()).add(split.splitId());
      context.assignSplit(split, subtask);
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
    rowsOfSplit.put(splitId, rows);
    String tableId = tableIdOf(splitId);
    Map<String, Long> done = new TreeMap<>();
    if (remainingOfTable.merge(tableId, -1, Integer::sum) == 0) {
      remainingOfTable.remove(tableId);
      snapshotted.add(tableId);
      long tableRows = 0;
      for (var e : rowsOfSplit.entrySet()) {
        if (tableIdOf(e.getKey()).equals(tableId)) {
          tableRows += e.getValue();
        }
      }
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
        tellDone(done);
      }
    }
  }

  /**
   * Tells the stream's reader that the snapshots of {@code done} are complete. Tables re-read on
   * request are recorded as read first: the results commit that ends the hold on results (which
   * comes only after the reader knows) finds them so and applies the difference.
   */
  private void tellDone(Map<String, Long> done) {
    List<Long> ids = new ArrayList<>();
    for (String id : done.keySet()) {
      List<Long> requests = refreshing.remove(id);
      if (requests != null) {
        ids.addAll(requests);
      }
    }
    int subtask = streamSubtask;
    if (ids.isEmpty()) {
      context.sendEventToSourceReader(subtask, new SnapshotsDone(done));
      return;
    }
    context.callAsync(
        () -> {
          refreshes.mark(ids, RefreshRequests.State.READ);
          return null;
        },
        (ignored, error) -> {
          if (error != null) {
            throw failure("could not record the re-read of tables of " + layout.source, error);
          }
          context.sendEventToSourceReader(subtask, new SnapshotsDone(done));
        });
  }

  private static String tableIdOf(String splitId) {
    // snapshot-<tableId>-<gen>-<page>
    String rest = splitId.substring("snapshot-".length());
    return rest.substring(0, rest.indexOf('-'));
  }

  /**
   * The reader with the restored stream is ready: tables new to the pipeline, or whose snapshot was
   * interrupted, and tables whose re-read was requested ({@link RefreshRequests}) are snapshotted
   * at a point a temporary slot exports, and their changes before it are dropped; then the stream
   * goes on.
   */
  private void streamReady(int subtask) {
    streamSubtask = subtask;
    // A snapshot of tables that was under way when the reader restarted is read again from a new
    // snapshot: the stream's hand-over points for it may not have been checkpointed.
    forgetSnapshot();
    refreshing.clear();
    List<TableLayout> unread = new ArrayList<>();
    for (TableLayout table : layout.tables) {
      if (!snapshotted.contains(table.id)) {
        // Read before under another id (its columns changed): the normalizer retracts its rows of
        // the earlier shape (see StoredShapes) when this read's RESET arrives.
        Set<String> earlier = new TreeSet<>(restoredNames.keySet());
        earlier.removeIf(id -> !restoredNames.get(id).equals(table.name()));
        if (restoredNames.keySet().removeAll(earlier) && snapshotted.removeAll(earlier)) {
          LOG.info("Source {}: table {} changed; reading it again", layout.source, table.name());
        }
        unread.add(table);
      }
    }
    preparing = true;
    context.callAsync(
        () -> {
          Map<String, List<Long>> requested = refreshes.taken();
          List<TableLayout> tables = new ArrayList<>(unread);
          for (TableLayout table : layout.tables) {
            if (requested.containsKey(table.id) && !tables.contains(table)) {
              tables.add(table);
            }
          }
          if (tables.isEmpty()) {
            return null;
          }
          Connection replication = PgReplication.replicationConnection(layout, "snapshot");
          try {
            CreatedSlot slot = PgReplication.createSlot(replication, layout.slot + "_t", true);
            Prepared prepared = new Prepared(replication, slot, ranges(tables, slot, true));
            List<Long> ids = new ArrayList<>();
            requested.values().forEach(ids::addAll);
            refreshes.reading(ids, slot.consistentLsn());
            return new Reread(prepared, tables, requested);
          } catch (SQLException | RuntimeException e) {
            replication.close();
            throw e;
          }
        },
        (reread, error) -> {
          if (error != null) {
            throw failure("could not snapshot the new tables of source " + layout.source, error);
          }
          if (reread == null) {
            preparing = false;
            context.sendEventToSourceReader(subtask, new StreamGo(Map.of(), false));
            return;
          }
          export(reread.prepared());
          refreshing.putAll(reread.requested());
          snapshotted.removeAll(reread.requested().keySet());
          Map<String, Long> handOver = new TreeMap<>();
          for (TableLayout table : reread.tables()) {
            handOver.put(table.id, reread.prepared().slot().consistentLsn());
          }
          LOG.info(
              "Source {}: snapshotting {} table(s) at {} ({} new to the pipeline, {} re-read on"
                  + " request)",
              layout.source,
              reread.tables().size(),
              PgReplication.lsn(reread.prepared().slot().consistentLsn()),
              reread.tables().size() - reread.requested().size(),
              reread.requested().size());
          context.sendEventToSourceReader(
              subtask, new StreamGo(handOver, !reread.requested().isEmpty()));
          addPending(reread.prepared().splits());
          preparing = false;
          assignWaiting();
        });
  }

  /** Tables snapshotted beside a restored stream: the snapshot, its tables, and requests by id. */
  private record Reread(
      Prepared prepared, List<TableLayout> tables, Map<String, List<Long>> requested) {}

  /**
   * Takes the open refresh requests while the source streams and reads nothing else: checks them
   * and, for the tables that can be re-read, fails the job on purpose (see the class comment).
   */
  private void takeRequests(List<Request> requests, Throwable error) {
    if (error != null || requests == null || requests.isEmpty()) {
      return;
    }
    if (!streaming
        || streamSubtask < 0
        || !streamingCheckpointed
        || preparing
        || refreshPending
        || !refreshing.isEmpty()
        || !pending.isEmpty()
        || !outstanding.isEmpty()) {
      return; // later: the restart must resume a stream with no snapshot under way
    }
    refreshPending = true;
    context.callAsync(
        () -> refreshes.check(requests),
        (tables, failed) -> {
          if (failed != null || tables.isEmpty()) {
            refreshPending = false;
            if (failed != null) {
              LOG.warn(
                  "Source {}: could not take the refresh requests: {}",
                  layout.source,
                  failed.getMessage());
            }
            return;
          }
          throw new IllegalStateException(
              String.format(
                  "source %s restarts from its latest checkpoint to re-read %s, as requested in %s"
                      + " (mzflink refresh). This restart is intended",
                  layout.source, String.join(", ", tables), RefreshRequests.TABLE));
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

  /**
   * Splits assigned since the checkpoint that the failed reader was reset to: what it emitted was
   * lost downstream. When every range of the held snapshot that the reader was given is among them,
   * those ranges are read again in that snapshot. A reader that had a range before that checkpoint
   * lost an unknown part of it: the first snapshot is taken again (its earlier rows retracted), and
   * a snapshot of tables new to a streaming pipeline is given up until the stream's reader, which
   * restarts with it, asks again. A stream assigned since means the first snapshot's rows are gone
   * with a snapshot no longer held: it is taken again.
   */
  @Override
  public void addSplitsBack(List<PgSplit> splits, int subtask) {
    Set<String> returned = new HashSet<>();
    for (PgSplit split : splits) {
      returned.add(split.splitId());
    }
    Set<String> given = rangesOfReader.getOrDefault(subtask, Set.of());
    rangesOfReader.remove(subtask);
    if (splits.stream().anyMatch(StreamSplit.class::isInstance)) {
      LOG.info(
          "Source {}: the stream started after the last checkpoint; snapshotting again",
          layout.source);
      takeFirstSnapshot(true);
      return;
    }
    if (!returned.containsAll(given)) {
      // The reader had a range before the checkpoint it is reset to: rows it emitted after that
      // checkpoint are lost, and which ones is not known (a reader does not checkpoint its place
      // in a range). The snapshot is taken again, its earlier rows retracted.
      if (!streaming) {
        LOG.info(
            "Source {}: a reader failed after reading part of the snapshot before the last"
                + " checkpoint; snapshotting again",
            layout.source);
        takeFirstSnapshot(true);
        return;
      }
      if (subtask != streamSubtask) {
        // The stream's reader restarts with this one (the job is one pipelined region) and asks
        // again for the tables not yet snapshotted (StreamReady); until then nothing is read.
        LOG.info(
            "Source {}: a reader failed in the middle of snapshotting tables new to the pipeline;"
                + " they are snapshotted again when the stream restarts",
            layout.source);
      }
      forgetSnapshot();
      return;
    }
    List<SnapshotSplit> again = new ArrayList<>();
    for (PgSplit split : splits) {
      if (split instanceof SnapshotSplit s && s.snapshot().equals(exportedSnapshot)) {
        again.add(s);
      }
    }
    for (SnapshotSplit s : again) {
      if (rowsOfSplit.remove(s.splitId()) != null) {
        // Finished, but its rows are lost: the table is not complete any more.
        snapshotted.remove(s.tableId());
        firstSnapshot.remove(s.tableId());
        remainingOfTable.merge(s.tableId(), 1, Integer::sum);
      }
      outstanding.remove(s.splitId());
      pending.addFirst(s);
    }
    LOG.info(
        "Source {}: {} range(s) of a failed reader read again ({} returned)",
        layout.source,
        again.size(),
        splits.size());
    assignWaiting();
  }

  @Override
  public void addReader(int subtask) {}

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    if (streamingCheckpoint >= 0 && checkpointId >= streamingCheckpoint) {
      streamingCheckpointed = true;
      assignWaiting();
    }
  }

  @Override
  public EnumeratorState snapshotState(long checkpointId) {
    if (streaming && streamingCheckpoint < 0) {
      streamingCheckpoint = checkpointId;
    }
    Map<String, String> names = new TreeMap<>(restoredNames);
    for (TableLayout table : layout.tables) {
      names.put(table.id, table.name());
    }
    names.keySet().retainAll(snapshotted);
    return new EnumeratorState(streaming, snapshotted, names);
  }

  /** Gives up the snapshot being read, if any: its ranges are forgotten, its connection closed. */
  private void forgetSnapshot() {
    closeExporting();
    pending.clear();
    outstanding.clear();
    remainingOfTable.clear();
    rowsOfSplit.clear();
    rangesOfReader.clear();
  }

  private void closeExporting() {
    if (exporting != null) {
      try {
        exporting.close();
      } catch (SQLException e) {
        LOG.info("Closing the snapshot connection of {}: {}", layout.source, e.getMessage());
      }
      exporting = null;
      exportedSnapshot = null;
    }
  }

  @Override
  public void close() {
    closeExporting();
    refreshes.close();
    publication.close();
  }
}
