package dev.mzflink.sink;

import dev.mzflink.Failpoints;
import dev.mzflink.status.RefreshRequests;
import dev.mzflink.status.SourceStatuses;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits each completed checkpoint's staged changes of every results table it serves in ONE
 * transaction of the results database, together with the sink's progress rows: a reader sees all of
 * a checkpoint or none of it, and with it the position of each source the results reflect. It
 * commits a checkpoint once it has the marker of every writer and source position for it, on a
 * thread of its own, and retries a commit that fails (the results database restarting or down) for
 * as long as it takes, while the job goes on. A checkpoint's commit covers the ones before it that
 * were not committed.
 *
 * <p>Idempotent: the progress table says which batch of each writer is applied, so a checkpoint
 * committed again after a restart applies nothing twice. A writer of a later run (lineage) of the
 * pipeline replaces the rows of an earlier run with its first commit; one of an earlier run than
 * the rows' is refused (a resume from a savepoint older than a later fresh start).
 */
final class ResultsCommitter extends AbstractStreamOperator<Void>
    implements OneInputStreamOperator<Marker, Void> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ResultsCommitter.class);

  /** PostgreSQL 15: the first version with MERGE. */
  static final int MERGE_VERSION = 150000;

  private final String url;
  private final Map<String, ResultsTableSpec> tables;

  /** The sources whose positions each commit records (quoted), in {@link Marker#position}s. */
  private final List<String> sources;

  /**
   * Per source (quoted), its upstream tables (quoted) whose results table (quoted) is a copy of the
   * table: where a re-read of the table ({@link RefreshRequests}) is applied as a difference.
   */
  private final Map<String, Map<String, String>> copies;

  /**
   * Per upstream table (its {@code TableLayout} id), the results tables that read it: held while a
   * source reads the table's snapshot beside its stream ({@link Marker#held}).
   */
  private final Map<String, Set<String>> readers;

  /** What each checkpoint needs a marker of: every results table and every source's position. */
  private final Set<String> expected = new TreeSet<>();

  private transient ListState<Marker> pendingState;
  private transient List<Marker> pending;
  private transient long completed;
  private transient long scheduled;
  private transient volatile long committed;
  private transient volatile Throwable failure;
  private transient ExecutorService committer;
  private transient Connection connection;
  private transient int serverVersion;
  private transient ResultsOutage outage;
  private transient volatile long committedAt;
  private transient StallWatch stallWatch;
  private transient long watchedAt;

  /** The latest completed checkpoint held back because a source's snapshot is being read. */
  private transient volatile long heldThrough;

  /** The results tables the last commit left out: they read a table whose snapshot is read. */
  private transient Set<String> held;

  ResultsCommitter(
      String url,
      List<ResultsTableSpec> tables,
      List<String> sources,
      Map<String, Map<String, String>> copies,
      Map<String, Set<String>> readers) {
    this.url = url;
    this.readers = new TreeMap<>();
    readers.forEach((id, read) -> this.readers.put(id, new TreeSet<>(read)));
    this.copies = new TreeMap<>();
    copies.forEach((source, tablesOf) -> this.copies.put(source, new TreeMap<>(tablesOf)));
    this.tables = new TreeMap<>();
    tables.forEach(t -> this.tables.put(t.quoted(), t));
    this.sources = List.copyOf(sources);
    expected.addAll(this.tables.keySet());
    this.sources.forEach(source -> expected.add(Marker.POSITION + source));
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    pendingState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("uncommitted-markers", Marker.class));
    pending = new ArrayList<>();
    pendingState.get().forEach(pending::add);
    // The checkpoint the job is restored from completed: commit it (again, harmlessly if it was).
    completed = context.getRestoredCheckpointId().orElse(-1L);
    scheduled = -1;
    committed = -1;
    heldThrough = -1;
    held = new TreeSet<>();
  }

  @Override
  public void open() throws Exception {
    super.open();
    committer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "mzflink results committer");
              t.setDaemon(true);
              return t;
            });
    outage = new ResultsOutage("commit of each checkpoint", true);
    outage.register(getMetricGroup());
    committedAt = System.currentTimeMillis();
    getMetricGroup()
        .gauge(
            "resultsLastCommitAgeSeconds",
            (Gauge<Long>) () -> (System.currentTimeMillis() - committedAt) / 1000);
    stallWatch =
        new StallWatch(
            url,
            getRuntimeContext().getJobInfo().getJobId().toHexString(),
            getRuntimeContext().getGlobalJobParameters());
    if (completed >= 0) {
      stallWatch.completed(completed); // the restored checkpoint, to be committed again
    }
    getMetricGroup().gauge("stalledSeconds", (Gauge<Long>) stallWatch::seconds);
    check();
  }

  /**
   * Ten times a second: surfaces a commit's failure, and commits what is due; once a second, looks
   * for a stall.
   */
  private void check() {
    ProcessingTimeService time = getProcessingTimeService();
    time.registerTimer(
        time.getCurrentProcessingTime() + 100,
        now -> {
          tryCommit();
          if (now - watchedAt >= 1000) {
            watchedAt = now;
            // A checkpoint held back for a snapshot is not stalled: it waits for the snapshot.
            stallWatch.committed(Math.max(committed, heldThrough));
            List<Marker> markers;
            synchronized (this) {
              markers = new ArrayList<>(pending);
            }
            stallWatch.check(markers, tables.keySet(), completed, outage.lastError());
          }
          check();
        });
  }

  @Override
  public void processElement(StreamRecord<Marker> element) throws Exception {
    synchronized (this) {
      pending.add(element.getValue());
    }
    tryCommit();
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    if (checkpointId >= 5 && hasMarkers(checkpointId)) {
      Failpoints.hit(Failpoints.SINK_COMPLETED);
    }
    completed = Math.max(completed, checkpointId);
    stallWatch.completed(checkpointId);
    tryCommit();
  }

  private synchronized boolean hasMarkers(long checkpointId) {
    return pending.stream().anyMatch(m -> m.checkpoint == checkpointId);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    synchronized (this) {
      pending.removeIf(m -> m.checkpoint <= committed);
      compact();
      pendingState.update(new ArrayList<>(pending));
    }
  }

  /**
   * Of the markers of completed checkpoints, keeps only each writer's (and source's) latest: a
   * commit takes the latest anyway, and while commits are held back for a snapshot the others would
   * pile up, one per writer and checkpoint.
   */
  private void compact() {
    Map<String, Map<Integer, Marker>> latest = new HashMap<>();
    for (Marker m : pending) {
      if (m.checkpoint <= completed) {
        latest.computeIfAbsent(m.table, t -> new HashMap<>()).merge(m.subtask, m, Marker::later);
      }
    }
    pending.removeIf(m -> m.checkpoint <= completed && latest.get(m.table).get(m.subtask) != m);
  }

  /**
   * Schedules the commit of the latest completed checkpoint whose markers are all here, unless a
   * commit is under way. A commit takes each writer's latest marker up to that checkpoint, so it
   * covers the checkpoints before it (also those of writers a rescaled job no longer has).
   */
  private void tryCommit() throws Exception {
    Throwable f = failure;
    if (f instanceof Exception e) {
      throw e;
    }
    if (f instanceof Error e) {
      throw e;
    }
    if (scheduled > committed) {
      return; // the commit under way; the next one takes what is due then
    }
    Map<String, Map<Integer, Marker>> due;
    Map<String, Marker> positions;
    long checkpoint;
    synchronized (this) {
      Due next = dueCheckpoint();
      if (next == null) {
        return;
      }
      checkpoint = next.checkpoint();
      if (!next.held().equals(held)) {
        if (next.held().isEmpty()) {
          LOG.info("Results tables: none waits for a snapshot any longer");
        } else {
          LOG.info(
              "Results tables {} wait for the snapshot of tables they read; the others are"
                  + " committed",
              next.held());
        }
        held = next.held();
      }
      due = new TreeMap<>();
      positions = new TreeMap<>();
      for (Marker m : pending) {
        if (m.checkpoint <= checkpoint
            && tables.containsKey(m.table)
            && !next.held().contains(m.table)) {
          due.computeIfAbsent(m.table, t -> new TreeMap<>()).merge(m.subtask, m, Marker::later);
        } else if (m.checkpoint <= checkpoint && m.isPosition()) {
          positions.merge(m.source(), m, Marker::later);
        }
      }
    }
    scheduled = checkpoint;
    long id = checkpoint;
    committer.execute(
        () -> {
          try {
            ResultsConnections.retrying(
                "commit checkpoint " + id,
                url,
                LOG,
                () -> {
                  commit(due, positions);
                  return null;
                },
                this::closeQuietly,
                outage);
            committedAt = System.currentTimeMillis();
            committed = id;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (Throwable e) {
            failure = e;
          }
        });
  }

  /** A checkpoint to commit, without the results tables it holds back. */
  private record Due(long checkpoint, Set<String> held) {}

  /**
   * The latest completed checkpoint not yet committed for which every writer of every table sent
   * its marker and every source knows its position; null when there is none. A source that does not
   * know its position is reading a snapshot: nothing is committed until the snapshot is complete,
   * so that the results never show part of it (a fresh run's first commit holds the whole snapshot,
   * and an earlier run's rows stay until then). A source that knows it and reads some tables beside
   * its stream holds back the results tables that read those ({@link #readers}).
   */
  private Due dueCheckpoint() {
    TreeSet<Long> candidates = new TreeSet<>();
    for (Marker m : pending) {
      if (m.checkpoint <= completed && m.checkpoint > committed) {
        candidates.add(m.checkpoint);
      }
    }
    for (Long id : candidates.descendingSet()) {
      Map<String, Set<Integer>> subtasks = new HashMap<>();
      Map<String, Integer> writers = new HashMap<>();
      boolean snapshotting = false;
      Set<String> holding = new TreeSet<>();
      for (Marker m : pending) {
        if (m.checkpoint == id) {
          subtasks.computeIfAbsent(m.table, t -> new HashSet<>()).add(m.subtask);
          writers.put(m.table, m.writers);
          // A source whose position is not known is reading a snapshot.
          snapshotting |= m.isPosition() && m.batch < 0;
          if (m.isPosition()) {
            for (String read : SourcePosition.parse(m.held)) {
              holding.addAll(readers.getOrDefault(read, Set.of()));
            }
          }
        }
      }
      boolean all = true;
      for (String table : expected) {
        Set<Integer> got = subtasks.get(table);
        all &= got != null && got.size() == writers.get(table);
      }
      if (all && (snapshotting || holding.containsAll(tables.keySet()))) {
        heldThrough = Math.max(heldThrough, id);
        return null;
      }
      if (all) {
        return new Due(id, holding);
      }
    }
    return null;
  }

  /**
   * Applies every table's staged changes up to the markers' batches and records the sources'
   * positions, in one transaction.
   */
  private void commit(Map<String, Map<Integer, Marker>> markers, Map<String, Marker> positions)
      throws SQLException {
    Connection c = connection();
    long started = System.nanoTime();
    long changes = 0;
    try {
      // Tables re-read on request whose rows are all read. Nothing is committed while a table is
      // read, nor until the stream has passed the point it was read at: the first commit past that
      // point holds every change of the re-read.
      Map<String, List<RefreshRequests.Request>> rereads = new TreeMap<>();
      List<RefreshRequests.Request> withoutCopy = new ArrayList<>();
      for (String source : positions.keySet()) {
        long now = positions.get(source).batch;
        long before = Long.MIN_VALUE; // read when a request needs it
        for (RefreshRequests.Request r : RefreshRequests.read(c, source)) {
          // This commit must be the first to pass the point the table was read at: the one that
          // holds the whole re-read. (A re-read committed without its difference cannot be
          // repaired here: its rows were applied as changes, and the others are not known.)
          if (r.lsn() < 0 || now < r.lsn()) {
            continue;
          }
          if (before == Long.MIN_VALUE) {
            before = SourceStatuses.appliedLsn(c, source);
          }
          if (before >= r.lsn()) {
            RefreshRequests.failed(
                c,
                r.id(),
                "the re-read reached the results without its difference applied; run mzflink"
                    + " refresh again");
            continue;
          }
          String copy = copies.getOrDefault(source, Map.of()).get(r.table());
          if (copy != null && markers.containsKey(copy)) {
            rereads.computeIfAbsent(copy, k -> new ArrayList<>()).add(r);
          } else {
            withoutCopy.add(r);
          }
        }
      }
      for (Map.Entry<String, Map<Integer, Marker>> e : markers.entrySet()) {
        List<RefreshRequests.Request> reread = rereads.get(e.getKey());
        long written = commitTable(c, tables.get(e.getKey()), e.getValue(), reread != null);
        changes += written;
        if (changes > 0) {
          Failpoints.hit(Failpoints.SINK_INSIDE_COMMIT);
        }
        if (reread != null) {
          for (RefreshRequests.Request r : reread) {
            RefreshRequests.done(c, r.id(), Optional.of(written));
          }
          LOG.info(
              "Results table {}: re-read of {} applied, {} rows written",
              e.getKey(),
              reread.get(0).table(),
              written);
        }
      }
      for (RefreshRequests.Request r : withoutCopy) {
        // The source is not MATERIALIZED: only the views over the table were recomputed.
        RefreshRequests.done(c, r.id(), Optional.empty());
      }
      for (Marker position : positions.values()) {
        SourceStatuses.applied(c, position.source(), position.batch);
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is reset by the retry
      }
      throw e;
    }
    LOG.debug(
        "Committed {} changes of {} results tables in {} ms",
        changes,
        markers.size(),
        (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Applies {@code table}'s staged changes up to {@code markers}; for a table whose re-read this
   * commit applies ({@code reread}), first deletes the rows no staged change is about. Returns the
   * rows written.
   */
  private long commitTable(
      Connection c, ResultsTableSpec table, Map<Integer, Marker> markers, boolean reread)
      throws SQLException {
    String lineage = markers.values().iterator().next().lineage;
    try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      s.setString(1, "mzflink results " + table.quoted());
      s.execute();
    }
    // Every commit, in its transaction: the sink writes only into a table mzflink created.
    StagingTables.refuseForeign(c, table);
    Map<Integer, Long> applied = new HashMap<>();
    String written = null;
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT subtask, lineage, sequence FROM "
                + ResultsTables.PROGRESS_TABLE
                + " WHERE sink = ?")) {
      s.setString(1, table.quoted());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          written = r.getString(2);
          if (r.getString(2).equals(lineage)) {
            applied.put(r.getInt(1), r.getLong(3));
          }
        }
      }
    }
    if (written != null && !written.equals(lineage)) {
      if (Lineage.later(written, lineage)) {
        throw new SuppressRestartsException(
            new IllegalStateException(
                String.format(
                    "results table %s was written by a later run of this pipeline (%s) than the"
                        + " state this job resumed from (%s): the job was resumed from a savepoint"
                        + " older than a later run. Resume from the newest savepoint, or start"
                        + " from scratch (without --from-savepoint)",
                    table.quoted(), written, lineage)));
      }
      written = null;
    }
    if (written == null) {
      // The first commit of a run of the pipeline: whatever an earlier run left goes.
      try (Statement s = c.createStatement()) {
        s.execute("TRUNCATE " + table.quoted());
      }
      try (PreparedStatement s =
          c.prepareStatement("DELETE FROM " + ResultsTables.PROGRESS_TABLE + " WHERE sink = ?")) {
        s.setString(1, table.quoted());
        s.executeUpdate();
      }
      LOG.info(
          "Results table {}: run {} replaces the rows of earlier runs", table.quoted(), lineage);
    }
    List<StagedChanges.Range> ranges = new ArrayList<>();
    for (Marker m : markers.values()) {
      long from = applied.getOrDefault(m.subtask, 0L);
      if (from > m.batch) {
        throw new SuppressRestartsException(
            new IllegalStateException(
                String.format(
                    "results table %s already holds changes of a later checkpoint of this run than"
                        + " the one the job was restored from: the job was resumed from an older"
                        + " checkpoint or savepoint. Resume from the latest one, or start from"
                        + " scratch (without --from-savepoint)",
                    table.quoted())));
      }
      if (m.batch > from) {
        ranges.add(new StagedChanges.Range(m.subtask, from, m.batch));
      }
    }
    StagedChanges.Upsert how =
        written == null
            ? StagedChanges.Upsert.INTO_EMPTY // truncated above, in this transaction
            : serverVersion >= MERGE_VERSION
                ? StagedChanges.Upsert.MERGE
                : StagedChanges.Upsert.DELETE_INSERT;
    long changes = reread ? StagedChanges.deleteUnstaged(c, table, ranges) : 0;
    changes += StagedChanges.apply(c, table, ranges, how);
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO "
                + ResultsTables.PROGRESS_TABLE
                + " (sink, subtask, lineage, sequence) VALUES (?, ?, ?, ?) ON CONFLICT (sink,"
                + " subtask) DO UPDATE SET lineage = EXCLUDED.lineage, sequence ="
                + " EXCLUDED.sequence, updated_at = now()")) {
      for (Marker m : markers.values()) {
        s.setString(1, table.quoted());
        s.setInt(2, m.subtask);
        s.setString(3, lineage);
        s.setLong(4, m.batch);
        s.addBatch();
      }
      s.executeBatch();
    }
    return changes;
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      Connection c = ResultsConnections.open(url, "results committer", 3600, 60);
      ResultsTables.createProgressTable(c);
      if (!sources.isEmpty()) {
        SourceStatuses.create(c);
        // Users without mzflink's command line insert refresh requests into it themselves.
        RefreshRequests.create(c);
      }
      c.setAutoCommit(false);
      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT current_setting('server_version_num')::int")) {
        r.next();
        serverVersion = r.getInt(1);
      }
      c.commit();
      connection = c;
    }
    return connection;
  }

  private void closeQuietly() {
    ResultsConnections.closeQuietly(connection);
    connection = null;
  }

  @Override
  public void close() throws Exception {
    if (stallWatch != null) {
      stallWatch.close();
    }
    if (committer != null) {
      committer.shutdownNow();
      committer.awaitTermination(30, TimeUnit.SECONDS);
    }
    closeQuietly();
    super.close();
  }
}
