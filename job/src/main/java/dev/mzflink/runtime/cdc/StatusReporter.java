package dev.mzflink.runtime.cdc;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.source.SourceLayout;
import dev.mzflink.source.TableLayout;
import dev.mzflink.status.PipelineHealth;
import dev.mzflink.status.SourceStatuses;
import dev.mzflink.status.SourceStatuses.Row;
import dev.mzflink.status.SourceStatuses.Status;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
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
 * Keeps a source's rows of {@code mz_source_statuses} current (one subtask per source): adds up the
 * normalizer's {@link TableProgress}, reads the replication slot's state upstream and PostgreSQL's
 * row estimates, and writes every table's status every two seconds. A slot that PostgreSQL
 * invalidated ({@code wal_status = lost}: its WAL was removed) errors the source and stops the job:
 * the changes in between are gone, and resuming would hide that.
 */
final class StatusReporter extends AbstractStreamOperator<Void>
    implements OneInputStreamOperator<TableProgress, Void> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(StatusReporter.class);

  static final long INTERVAL_MILLIS = 2000;

  /** A slot inactive this long while the job runs is stalled. */
  static final long INACTIVE_MILLIS = 30_000;

  private final SourceLayout layout;
  private final String source;
  private final String resultsUrl;
  private final long walWarningBytes;

  private transient ListState<String> countsState;
  private transient ListState<String> errorsState;

  /** Per table id: why it stopped replicating. */
  private transient Map<String, String> errors;

  /** Per table id removed from the publication, why it no longer replicates. */
  private transient Map<String, String> dropped;

  /** Marks a removed table's entry in the state of errors. */
  private static final String DROPPED_PREFIX = "dropped:";

  /** Per table id, the generation of its latest completed snapshot (since this start). */
  private transient Map<String, Long> doneGen;

  /**
   * Per table errored or dropped in this run, the generation it was read at then: only a snapshot
   * of a later one replicates it again.
   */
  private transient Map<String, Long> troubleGen;

  /** Per table id: snapshot rows, changes, last change (ms), locked snapshot done (0/1). */
  private transient Map<String, long[]> counts;

  private transient Connection upstream;
  private transient Connection results;
  private transient Map<String, Long> estimates;
  private transient long estimatedAt;
  private transient long activeAt;
  private transient long lastLog;
  private transient long checkpointedAt;
  private transient long stallAfterMillis;
  private transient String jobId;
  private transient long stalledSince;

  StatusReporter(SourceLayout layout, long walWarningBytes) {
    this.layout = layout;
    this.source = layout.source;
    this.resultsUrl = layout.resultsUrl;
    this.walWarningBytes = walWarningBytes;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    countsState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("table-counts", String.class));
    counts = new HashMap<>();
    for (String entry : countsState.get()) {
      String[] parts = entry.split("=", 2);
      String[] values = parts[1].split(",");
      long[] c = new long[4];
      for (int i = 0; i < 4; i++) {
        c[i] = Long.parseLong(values[i]);
      }
      counts.put(parts[0], c);
    }
    errorsState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("table-errors", String.class));
    errors = new HashMap<>();
    doneGen = new HashMap<>();
    troubleGen = new HashMap<>();
    dropped = new HashMap<>();
    for (String entry : errorsState.get()) {
      String[] parts = entry.split("\u0000", 2);
      if (parts[0].startsWith(DROPPED_PREFIX)) {
        dropped.put(parts[0].substring(DROPPED_PREFIX.length()), parts[1]);
      } else {
        errors.put(parts[0], parts[1]);
      }
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    List<String> entries = new ArrayList<>();
    counts.forEach((id, c) -> entries.add(id + "=" + c[0] + "," + c[1] + "," + c[2] + "," + c[3]));
    countsState.update(entries);
    List<String> errorEntries = new ArrayList<>();
    errors.forEach((id, error) -> errorEntries.add(id + "\u0000" + error));
    dropped.forEach((id, message) -> errorEntries.add(DROPPED_PREFIX + id + "\u0000" + message));
    errorsState.update(errorEntries);
  }

  @Override
  public void open() throws Exception {
    super.open();
    estimates = new HashMap<>();
    activeAt = System.currentTimeMillis();
    checkpointedAt = activeAt;
    jobId = getRuntimeContext().getJobInfo().getJobId().toHexString();
    String stallAfter =
        getRuntimeContext().getGlobalJobParameters().get(PipelineHealth.STALL_AFTER_PARAMETER);
    stallAfterMillis = stallAfter != null ? Long.parseLong(stallAfter) : Long.MAX_VALUE / 2;
    getMetricGroup()
        .gauge(
            "stalledSeconds",
            (Gauge<Long>)
                () -> stalledSince == 0 ? 0 : (System.currentTimeMillis() - stalledSince) / 1000);
    schedule();
  }

  private void schedule() {
    ProcessingTimeService time = getProcessingTimeService();
    time.registerTimer(time.getCurrentProcessingTime() + INTERVAL_MILLIS, now -> report());
  }

  @Override
  public void processElement(StreamRecord<TableProgress> element) {
    TableProgress p = element.getValue();
    String id = layout.table(p.table).id;
    long[] c = counts.computeIfAbsent(id, k -> new long[4]);
    if (p.reset && c[3] == 1 && p.gen > doneGen.getOrDefault(id, 0L)) {
      // Snapshotted again (mzflink refresh): snapshotting until this snapshot is done. (A reset
      // of the snapshot already done may reach this subtask after another one's report of it.)
      c[0] = 0;
      c[3] = 0;
    }
    if (p.snapshotDone) {
      doneGen.merge(id, p.gen, Math::max);
      // The exact count, from the source; rows still on their way to other subtasks are in it.
      c[0] = p.snapshotTotal;
      c[3] = 1;
    } else if (c[3] == 0) {
      c[0] += p.snapshotRows;
    }
    c[1] += p.changes;
    c[2] = Math.max(c[2], p.lastChangeMillis);
    if (p.dropped != null) {
      dropped.put(id, p.dropped);
      troubleGen.merge(id, p.gen, Math::max);
    }
    if (p.error != null) {
      errors.put(id, p.error);
      troubleGen.merge(id, p.gen, Math::max);
    } else if (p.snapshotDone && p.dropped == null && p.gen > troubleGen.getOrDefault(id, -1L)) {
      // Read again from a new consistent point (mzflink refresh): the table replicates again.
      // (Not the report of the snapshot before the trouble, which every subtask sends, some
      // after another one's report of the trouble.)
      errors.remove(id);
      dropped.remove(id);
      troubleGen.remove(id);
    }
  }

  /** The replication slot as PostgreSQL sees it. */
  private record Slot(
      boolean exists, boolean active, boolean streaming, String walStatus, long retainedBytes) {}

  private void report() {
    try {
      Slot slot = readSlot();
      if (slot.exists() && "lost".equals(slot.walStatus())) {
        String error =
            String.format(
                "replication slot %s was invalidated by PostgreSQL (wal_status lost): the WAL it needed was removed and those"
                    + " changes are gone. Start the pipeline from scratch (without --from-savepoint); raise"
                    + " max_slot_wal_keep_size upstream to keep this from happening again",
                layout.slot);
        SourceStatuses.mark(resultsUrl, source, List.of(), Status.ERRORED, error);
        throw new SuppressRestartsException(new IllegalStateException(error));
      }
      writeStatuses(slot);
    } catch (SQLException e) {
      LOG.warn("Could not update the status of source {}: {}", source, e.getMessage());
      closeQuietly();
    }
    schedule();
  }

  private void writeStatuses(Slot slot) throws SQLException {
    long now = System.currentTimeMillis();
    if (slot.active()) {
      activeAt = now;
    }
    if (now - estimatedAt > 60_000) {
      readEstimates();
      estimatedAt = now;
    }
    String slotProblem = "";
    if (!slot.exists()) {
      slotProblem = "replication slot " + layout.slot + " does not exist upstream";
    } else if ("unreserved".equals(slot.walStatus())) {
      slotProblem =
          String.format(
              "replication slot %s retains more WAL than max_wal_size allows (wal_status unreserved): PostgreSQL may remove it",
              layout.slot);
    } else if (slot.retainedBytes() > walWarningBytes) {
      slotProblem =
          String.format(
              "replication slot %s retains %s of WAL, more than the warning threshold of %s",
              layout.slot, bytes(slot.retainedBytes()), bytes(walWarningBytes));
    } else if (now - activeAt > INACTIVE_MILLIS) {
      slotProblem =
          String.format(
              "replication slot %s has had no reader for %d s",
              layout.slot, (now - activeAt) / 1000);
    }
    String stalled = pipelineProblem(now);
    if (!stalled.isEmpty()) {
      slotProblem = slotProblem.isEmpty() ? stalled : slotProblem + "; " + stalled;
    }
    List<Row> rows = new ArrayList<>();
    List<String> erroredTables = new ArrayList<>();
    List<String> droppedTables = new ArrayList<>();
    long snapshotted = 0;
    long sourceLastChange = 0;
    boolean allRunning = true;
    for (TableLayout t : layout.tables) {
      long[] c = counts.getOrDefault(t.id, new long[4]);
      boolean snapshotDone = c[3] == 1;
      Status status;
      String error = errors.get(t.id);
      if (error == null && dropped.containsKey(t.id)) {
        error = dropped.get(t.id);
        status = Status.DROPPED;
        droppedTables.add(t.qualifiedName);
      } else if (error != null) {
        status = Status.ERRORED;
        erroredTables.add(t.qualifiedName);
      } else if (!slotProblem.isEmpty()) {
        status = Status.STALLED;
      } else if (snapshotDone) {
        status = Status.RUNNING;
      } else if (c[0] > 0) {
        status = Status.SNAPSHOTTING;
      } else {
        status = Status.STARTING;
      }
      allRunning &=
          status == Status.RUNNING || status == Status.ERRORED || status == Status.DROPPED;
      snapshotted += c[0];
      sourceLastChange = Math.max(sourceLastChange, c[2]);
      rows.add(
          new Row(
              source,
              t.qualifiedName,
              status,
              error != null ? error : slotProblem,
              c[2],
              c[0],
              estimates.getOrDefault(t.qualifiedName, -1L),
              slot.retainedBytes(),
              layout.slot));
    }
    Status sourceStatus =
        !slotProblem.isEmpty()
            ? Status.STALLED
            : allRunning ? Status.RUNNING : snapshotted > 0 ? Status.SNAPSHOTTING : Status.STARTING;
    String sourceError = slotProblem;
    if (!erroredTables.isEmpty()) {
      sourceError =
          (slotProblem.isEmpty() ? "" : slotProblem + "; ")
              + "not replicating (errored): "
              + String.join(", ", erroredTables);
    }
    if (!droppedTables.isEmpty()) {
      sourceError =
          (sourceError.isEmpty() ? "" : sourceError + "; ")
              + "not replicating (dropped from the publication): "
              + String.join(", ", droppedTables);
    }
    rows.add(
        new Row(
            source,
            "",
            sourceStatus,
            sourceError,
            sourceLastChange,
            snapshotted,
            -1,
            slot.retainedBytes(),
            layout.slot));
    SourceStatuses.write(results(), rows);
    if (sourceStatus == Status.SNAPSHOTTING && now - lastLog > 10_000) {
      lastLog = now;
      for (Row row : rows) {
        if (!row.table().isEmpty() && row.status() == Status.SNAPSHOTTING) {
          LOG.info(
              "Snapshot of {}: {} of about {} rows",
              row.table(),
              row.snapshotRows(),
              Math.max(0, row.snapshotRowsEstimated()));
        }
      }
    }
    if (!slotProblem.isEmpty() && now - lastLog > 60_000) {
      lastLog = now;
      LOG.warn("Source {} is stalled: {}", source, slotProblem);
    }
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " bytes";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = n;
    int unit = -1;
    while (v >= 1024 && unit < units.length - 1) {
      v /= 1024;
      unit++;
    }
    return String.format("%.1f %s", v, units[unit]);
  }

  private Slot readSlot() throws SQLException {
    try (PreparedStatement s =
        upstream()
            .prepareStatement(
                "SELECT s.active, coalesce(r.state IN ('catchup', 'streaming'), false), s.wal_status,"
                    + " coalesce(pg_current_wal_lsn() - s.restart_lsn, 0)::bigint"
                    + " FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = ?")) {
      s.setString(1, layout.slot);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          return new Slot(false, false, false, "", -1);
        }
        return new Slot(true, r.getBoolean(1), r.getBoolean(2), r.getString(3), r.getLong(4));
      }
    }
  }

  private void readEstimates() throws SQLException {
    try (PreparedStatement s =
        upstream()
            .prepareStatement(
                "SELECT reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
      for (TableLayout t : layout.tables) {
        s.setString(1, t.schema);
        s.setString(2, t.name);
        try (ResultSet r = s.executeQuery()) {
          if (r.next()) {
            estimates.put(t.qualifiedName, r.getLong(1));
          }
        }
      }
    }
  }

  private Connection upstream() throws SQLException {
    if (upstream == null || upstream.isClosed()) {
      upstream =
          PgConnections.connect(layout.jdbcUrl, layout.connectionProperties("mzflink status"));
    }
    return upstream;
  }

  private Connection results() throws SQLException {
    if (results == null || results.isClosed()) {
      results = PgConnections.connect(resultsUrl, new Properties());
    }
    return results;
  }

  private void closeQuietly() {
    for (Connection c : new Connection[] {upstream, results}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (SQLException ignored) {
        // reconnected next time
      }
    }
    upstream = null;
    results = null;
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    checkpointedAt = System.currentTimeMillis();
  }

  /**
   * Why the job's results are stalled, empty when they are not: as the results committer reports it
   * in the results database, or, when it reports nothing (it may be what is stuck), no checkpoint
   * completing for longer than the stall time and the committer's report interval.
   */
  private String pipelineProblem(long now) throws SQLException {
    Optional<PipelineHealth.Stall> stall = PipelineHealth.read(results(), jobId);
    if (stall.isPresent()) {
      stalledSince = stall.get().sinceMillis();
      return "since " + PipelineHealth.time(stalledSince) + ": " + stall.get().reason();
    }
    if (now - checkpointedAt > stallAfterMillis + PipelineHealth.FRESH_MILLIS) {
      stalledSince = checkpointedAt;
      return String.format(
          "no checkpoint completed for %d s, so no results are committed",
          (now - checkpointedAt) / 1000);
    }
    stalledSince = 0;
    return "";
  }

  @Override
  public void close() throws Exception {
    closeQuietly();
    super.close();
  }
}
