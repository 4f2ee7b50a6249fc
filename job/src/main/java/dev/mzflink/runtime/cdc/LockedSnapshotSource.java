package dev.mzflink.runtime.cdc;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.sql.Quote;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mzflink's own snapshot of the tables Flink CDC's incremental snapshot cannot read exactly (tables
 * without a primary key, whose duplicate rows it collapses, and tables whose names it cannot
 * checkpoint), and of tables that joined the pipeline after its state was saved (Flink CDC
 * snapshots only the tables it knew at the first start).
 *
 * <p>Once the source's replication slot is streaming, each such table is read whole under {@code
 * LOCK TABLE ... IN SHARE MODE}: the lock waits for every transaction that wrote the table and
 * keeps writers out while the rows are read, so the rows are exactly the table as of the WAL
 * position read right after the lock was granted. That position travels with the rows; {@link
 * HandOverFunction} drops the table's streamed changes before it and keeps those after. The rows of
 * a table are emitted under the checkpoint lock, so a checkpoint holds a table entirely or not at
 * all.
 *
 * <p>Its state is the ids of the tables whose snapshot is taken care of: on a first start the
 * tables of Flink CDC's incremental snapshot, then each table it has read. At every start it tells
 * {@link HandOverFunction} about those tables, so their streamed changes pass.
 */
@SuppressWarnings("deprecation")
final class LockedSnapshotSource extends RichSourceFunction<ChangeRecord>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LockedSnapshotSource.class);

  private final SourceLayout layout;
  private final String jdbcUrl;
  private final Properties properties;
  private transient ListState<String> doneState;
  private transient Set<String> done;
  private volatile boolean running = true;

  LockedSnapshotSource(SourceLayout layout, String jdbcUrl, Properties properties) {
    this.layout = layout;
    this.jdbcUrl = jdbcUrl;
    this.properties = properties;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    doneState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("snapshotted-tables", String.class));
    done = new LinkedHashSet<>();
    if (context.isRestored()) {
      for (String id : doneState.get()) {
        done.add(id);
      }
    } else {
      for (TableLayout table : layout.tables) {
        if (!table.lockedSnapshot) {
          done.add(table.id);
        }
      }
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    doneState.update(new ArrayList<>(done));
  }

  @Override
  public void run(SourceContext<ChangeRecord> context) throws Exception {
    List<TableLayout> pending = new ArrayList<>();
    synchronized (context.getCheckpointLock()) {
      for (TableLayout table : layout.tables) {
        if (done.contains(table.id)) {
          context.collect(marker(table, ChangeRecord.SNAPSHOT_KNOWN, 0));
        } else {
          pending.add(table);
        }
      }
    }
    if (!pending.isEmpty()) {
      try (Connection c = PgConnections.connect(jdbcUrl, properties)) {
        waitForStreaming(c);
        for (TableLayout table : pending) {
          if (!running) {
            break;
          }
          snapshot(c, table, context);
        }
      }
    }
    // Stay alive: a finished source would end checkpointing for this part of the job.
    while (running) {
      Thread.sleep(1000);
    }
  }

  private static ChangeRecord marker(TableLayout table, byte kind, long lsn) {
    ChangeRecord marker = new ChangeRecord(table.index, kind, null, lsn);
    marker.key = table.id;
    return marker;
  }

  /**
   * Waits until a walsender streams from the slot, so the hand-over point lies after the stream's
   * start. The slot being active is not enough: it is active while it is created, and the stream
   * starts only after Flink CDC's incremental snapshot of the keyed tables, from a position read
   * then; a snapshot taken before that position would lose the changes in between.
   */
  private void waitForStreaming(Connection c) throws SQLException, InterruptedException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT 1 FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid "
                + "WHERE s.slot_name = ? AND r.state IN ('catchup', 'streaming')")) {
      s.setString(1, layout.slot);
      while (running) {
        try (ResultSet r = s.executeQuery()) {
          if (r.next()) {
            return;
          }
        }
        Thread.sleep(200);
      }
    }
  }

  private void snapshot(Connection c, TableLayout table, SourceContext<ChangeRecord> context)
      throws Exception {
    String name = table.qualifiedName;
    String columns =
        table.rowType.getFieldNames().stream()
            .map(Quote::pgIdentifier)
            .collect(Collectors.joining(", "));
    c.setAutoCommit(false);
    long rows = 0;
    try (Statement s = c.createStatement()) {
      s.execute("LOCK TABLE " + name + " IN SHARE MODE");
      long lsn;
      // The insert position, not pg_current_wal_lsn() (the write position): with asynchronous
      // commit the write position can lag behind records of transactions already committed.
      try (ResultSet r = s.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
        r.next();
        lsn = r.getBigDecimal(1).longValueExact();
      }
      s.setFetchSize(5000);
      synchronized (context.getCheckpointLock()) {
        try (ResultSet r = s.executeQuery("SELECT " + columns + " FROM " + name)) {
          while (r.next()) {
            var row = JdbcRows.read(r, table);
            ChangeRecord change =
                new ChangeRecord(
                    table.index, ChangeRecord.LOCKED_SNAPSHOT, table.serialize(row), lsn);
            change.key = table.partitionKey(row);
            context.collect(change);
            rows++;
          }
        }
        context.collect(marker(table, ChangeRecord.LOCKED_SNAPSHOT_DONE, lsn));
        done.add(table.id);
      }
      c.commit();
      LOG.info("Locked snapshot of {}: {} rows at LSN {}", name, rows, lsn);
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  @Override
  public void cancel() {
    running = false;
  }
}
