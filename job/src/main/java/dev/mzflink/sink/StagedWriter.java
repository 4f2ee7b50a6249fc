package dev.mzflink.sink;

import dev.mzflink.Failpoints;
import dev.mzflink.values.CopyRowEncoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one results table's changes into its staging table as they arrive, by COPY, a few
 * megabytes at a time: memory stays bounded however many rows a checkpoint has, and no row goes
 * into checkpoint state. Each change is staged with its writer subtask, batch, flush and sequence
 * number and its operation (+1 a row to upsert or a copy to add, -1 a key to delete or a copy to
 * remove). At each checkpoint the writer stages what it still holds and sends the committer a
 * {@link Marker}: this subtask's rows up to this batch belong to this checkpoint.
 *
 * <p>Its state is the lineage and each subtask's next batch number. Rows staged after the
 * checkpoint a job is restored from belong to no checkpoint that completed and are removed when the
 * writer opens; a stage that failed midway is recognised by its flush number and not staged twice.
 * While the results database is unreachable the writer waits, and the job waits with it.
 */
final class StagedWriter extends AbstractStreamOperator<Marker>
    implements OneInputStreamOperator<RowData, Marker> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(StagedWriter.class);

  /** Staged rows are sent when this many bytes of them are waiting. */
  static final int FLUSH_BYTES = 4 << 20;

  private final String url;
  private final ResultsTableSpec table;

  private transient ListState<String> state;
  private transient String lineage;
  private transient long batch;
  private transient int flush;
  private transient long seq;
  private transient int subtask;
  private transient int writers;
  private transient Map<Integer, Long> restored;
  private transient CopyRowEncoder encoder;
  private transient Connection connection;
  private transient boolean retried;
  private transient ResultsOutage outage;
  private transient EnumColumns enums;

  StagedWriter(String url, ResultsTableSpec table) {
    this.url = url;
    this.table = table;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    // Union state: every subtask sees every subtask's entry, so a rescaled job still knows where
    // each earlier subtask stopped.
    state =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>("results-writer", String.class));
    lineage = null;
    restored = new TreeMap<>();
    for (String entry : state.get()) {
      String[] parts = entry.split("\\|");
      lineage = parts[0];
      restored.put(Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
    }
    // Every subtask counts one batch per checkpoint; a restored job goes on after the highest.
    batch = restored.values().stream().mapToLong(Long::longValue).max().orElse(1L);
    if (lineage == null) {
      // A run of the pipeline starts: it replaces what earlier runs wrote (see the committer).
      lineage =
          Lineage.of(
              getRuntimeContext().getGlobalJobParameters(),
              getRuntimeContext().getJobInfo().getJobId().toHexString());
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    state.update(List.of(lineage + "|" + subtask + "|" + batch));
  }

  @Override
  public void open() throws Exception {
    super.open();
    subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    writers = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    encoder = new CopyRowEncoder(table.types);
    outage = new ResultsOutage("writer of " + table.quoted(), false);
    outage.register(getMetricGroup());
    ResultsConnections.retrying(
        "prepare the staging table of " + table.quoted(),
        url,
        LOG,
        () -> {
          Connection c = connection();
          StagingTables.ensure(c, table);
          removeGarbage(c);
          enums = EnumColumns.load(c, table);
          return null;
        },
        this::closeQuietly,
        outage);
  }

  /**
   * Removes staged rows that belong to no checkpoint the job starts from: this subtask's after its
   * restored batch (all of them when it has none: a fresh run, or a subtask a rescaled job added);
   * the first subtask also those of subtasks the job no longer has.
   */
  private void removeGarbage(Connection c) throws SQLException {
    StringBuilder from = new StringBuilder("(VALUES (-1, 0::bigint)");
    restored.forEach((s, b) -> from.append(", (").append(s).append(", ").append(b).append(")"));
    from.append(") v(sub, batch)");
    String keep =
        " AND mz_batch >= coalesce((SELECT v.batch FROM " + from + " WHERE v.sub = mz_subtask), 0)";
    try (PreparedStatement s =
        c.prepareStatement(
            "DELETE FROM "
                + table.stagingTable()
                + " WHERE (mz_subtask = ? OR (? AND mz_subtask >= ?))"
                + keep)) {
      s.setInt(1, subtask);
      s.setBoolean(2, subtask == 0);
      s.setInt(3, writers);
      int removed = s.executeUpdate();
      if (removed > 0) {
        LOG.info(
            "Removed {} rows of {} staged by a failed attempt (subtask {})",
            removed,
            table.quoted(),
            subtask);
      }
    }
  }

  @Override
  public void processElement(StreamRecord<RowData> element) throws Exception {
    RowData row = element.getValue();
    if (!enums.isEmpty()) {
      enums.check(row, table.quoted(), this::connection);
    }
    encoder.append(row, subtask, batch, flush, seq++, op(row.getRowKind()));
    if (encoder.length() >= FLUSH_BYTES) {
      stage();
    }
  }

  /**
   * What a change does to the results table: +1 upserts its row (a keyed table) or adds a copy
   * (key-less); -1 deletes its key or removes a copy. An UPDATE_BEFORE deletes its key, as in
   * Flink's own upsert sinks: Flink sends it alone when a view's WHERE drops an updated row, and an
   * UPDATE_AFTER of the same key that follows upserts again.
   */
  static int op(RowKind kind) {
    return switch (kind) {
      case INSERT, UPDATE_AFTER -> 1;
      case DELETE, UPDATE_BEFORE -> -1;
    };
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    stage();
    output.collect(
        new StreamRecord<>(
            new Marker(table.quoted(), subtask, writers, checkpointId, batch, lineage)));
    if (flush > 0 && batch >= 3) {
      Failpoints.hit(Failpoints.SINK_STAGED);
    }
    batch++;
    flush = 0;
  }

  /** Sends the rows waiting in the encoder to the staging table, once. */
  private void stage() throws Exception {
    if (encoder.length() == 0) {
      return;
    }
    ResultsConnections.retrying(
        "stage rows of " + table.quoted(),
        url,
        LOG,
        () -> {
          Connection c = connection();
          if (retried && staged(c)) {
            return null; // the earlier attempt got through before its connection broke
          }
          retried = true;
          try {
            c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn(
                    "COPY "
                        + table.stagingTable()
                        + " ("
                        + table.columnList("")
                        + ", mz_subtask, mz_batch, mz_flush, mz_seq, mz_op) FROM STDIN",
                    new ByteArrayInputStream(encoder.buffer(), 0, encoder.length()));
          } catch (IOException e) {
            throw new SQLException("COPY into " + table.stagingTable() + " failed", e);
          }
          return null;
        },
        this::closeQuietly,
        outage);
    retried = false;
    encoder.clear();
    flush++;
  }

  /** Whether this flush's rows are in the staging table already. */
  private boolean staged(Connection c) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT 1 FROM "
                + table.stagingTable()
                + " WHERE mz_subtask = ? AND mz_batch = ? AND mz_flush = ? LIMIT 1")) {
      s.setInt(1, subtask);
      s.setLong(2, batch);
      s.setInt(3, flush);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = ResultsConnections.open(url, "results writer", 300, 30);
    }
    return connection;
  }

  private void closeQuietly() {
    ResultsConnections.closeQuietly(connection);
    connection = null;
  }

  @Override
  public void close() throws Exception {
    closeQuietly();
    super.close();
  }
}
