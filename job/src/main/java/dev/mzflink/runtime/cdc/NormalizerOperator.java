package dev.mzflink.runtime.cdc;

import dev.mzflink.status.SourceStatuses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.OutputTag;

/**
 * Holds every table's current rows in keyed state (by primary key, or by the whole row with a count
 * for key-less tables) and turns the connector's changes into an exact changelog:
 *
 * <ul>
 *   <li>keyed tables are upserted: a change that repeats the current row emits nothing, so the
 *       at-least-once hand-over from snapshot to stream is exact; updates emit the stored old row
 *       and the new one, whatever the replica identity;
 *   <li>Flink CDC's snapshot rows wait in state until their chunk is complete ({@link
 *       ChangeRecord#CHUNK_DONE}); pending rows found in a restored state belong to a chunk that is
 *       read again and are dropped (see {@link ChunkAwareSource});
 *   <li>snapshot rows and streamed changes reach it by different paths, so a row read before a
 *       change can arrive after it. The stream delivers every change since before the snapshot, and
 *       each carries the whole row, so once a key had a streamed change (or was deleted: a
 *       tombstone kept for an hour) its snapshot rows are ignored, as are snapshot rows read before
 *       a TRUNCATE of the table;
 *   <li>unchanged TOASTed values that an UPDATE did not carry are filled from the stored row;
 *   <li>key-less tables keep a count per distinct row, duplicates included;
 *   <li>TRUNCATE retracts every stored row of the table (every subtask receives it, see {@link
 *       TruncateFanOut}).
 * </ul>
 */
final class NormalizerOperator extends AbstractStreamOperator<TableChange>
    implements OneInputStreamOperator<ChangeRecord, TableChange> {
  private static final long serialVersionUID = 1L;

  static final ValueStateDescriptor<StoredRow> ROWS =
      new ValueStateDescriptor<>("rows", StoredRow.class);

  /** How long a deleted key of a keyed table remembers its deletion (see the class comment). */
  static final Duration TOMBSTONE_TTL = Duration.ofHours(1);

  static final ValueStateDescriptor<Boolean> DELETED =
      new ValueStateDescriptor<>("deleted", Boolean.class);

  static {
    DELETED.enableTimeToLive(
        StateTtlConfig.newBuilder(TOMBSTONE_TTL)
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .cleanupInRocksdbCompactFilter(1000)
            .build());
  }

  /**
   * Snapshot rows of keyed tables whose chunk is not complete yet; the chunk is in {@code count}.
   */
  static final ValueStateDescriptor<PendingRow> PENDING =
      new ValueStateDescriptor<>("pending", PendingRow.class);

  /** Per table id, the WAL position of its latest TRUNCATE, in every subtask. */
  private static final ListStateDescriptor<String> TRUNCATED =
      new ListStateDescriptor<>("truncated-at", String.class);

  /** Where each subtask reports its {@link TableProgress} every {@link #REPORT_MILLIS}. */
  static final OutputTag<TableProgress> PROGRESS =
      new OutputTag<>("progress", TypeInformation.of(TableProgress.class));

  static final long REPORT_MILLIS = 2000;

  private final SourceLayout layout;
  private transient TableProgress[] progress;
  private transient Counter[] snapshotRowsMetric;
  private transient Counter[] changesMetric;

  /** Per table: milliseconds from the upstream commit of its last change to its normalization. */
  private transient long[] lagMillis;

  private transient ValueState<StoredRow> rows;
  private transient ValueState<Boolean> deleted;
  private transient ValueState<PendingRow> pending;
  private transient ListState<String> truncatedState;
  private transient Map<String, Long> truncatedAt;
  private transient boolean restored;

  /** Pending snapshot rows in this subtask (0: no pending state to look at). */
  private transient long pendingRows;

  private transient RowData.FieldGetter[][] getters;

  NormalizerOperator(SourceLayout layout) {
    this.layout = layout;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    restored = context.isRestored();
    truncatedState = context.getOperatorStateStore().getUnionListState(TRUNCATED);
    truncatedAt = new HashMap<>();
    for (String entry : truncatedState.get()) {
      int at = entry.lastIndexOf('=');
      truncatedAt.merge(entry.substring(0, at), Long.parseLong(entry.substring(at + 1)), Math::max);
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    List<String> entries = new ArrayList<>();
    truncatedAt.forEach((id, lsn) -> entries.add(id + "=" + lsn));
    truncatedState.update(entries);
  }

  @Override
  public void open() throws Exception {
    super.open();
    rows = getPartitionedState(ROWS);
    deleted = getPartitionedState(DELETED);
    pending = getPartitionedState(PENDING);
    if (restored) {
      // Rows of chunks that were not complete: Flink CDC reads those chunks again.
      getKeyedStateBackend()
          .applyToAllKeys(
              VoidNamespace.INSTANCE,
              VoidNamespaceSerializer.INSTANCE,
              PENDING,
              (key, state) -> state.clear());
    }
    pendingRows = 0;
    progress = new TableProgress[layout.tables.size()];
    snapshotRowsMetric = new Counter[layout.tables.size()];
    changesMetric = new Counter[layout.tables.size()];
    lagMillis = new long[layout.tables.size()];
    for (TableLayout t : layout.tables) {
      progress[t.index] = new TableProgress(t.index);
      MetricGroup group = getMetricGroup().addGroup("mzflink_table", t.qualifiedName);
      snapshotRowsMetric[t.index] = group.counter("snapshotRows");
      changesMetric[t.index] = group.counter("changes");
      int index = t.index;
      group.gauge("lagMillis", (Gauge<Long>) () -> lagMillis[index]);
    }
    scheduleReport();
    getters = new RowData.FieldGetter[layout.tables.size()][];
    for (TableLayout t : layout.tables) {
      getters[t.index] = new RowData.FieldGetter[t.arity()];
      for (int i = 0; i < t.arity(); i++) {
        getters[t.index][i] = RowData.createFieldGetter(t.rowType.getTypeAt(i), i);
      }
    }
  }

  private void scheduleReport() {
    ProcessingTimeService time = getProcessingTimeService();
    time.registerTimer(time.getCurrentProcessingTime() + REPORT_MILLIS, now -> report());
  }

  /** Sends what happened since the last report to the status reporter. */
  private void report() {
    for (int i = 0; i < progress.length; i++) {
      if (!progress[i].isEmpty()) {
        output.collect(PROGRESS, new StreamRecord<>(progress[i]));
        progress[i] = new TableProgress(i);
      }
    }
    scheduleReport();
  }

  private void count(ChangeRecord change) {
    TableProgress p = progress[change.table];
    switch (change.kind) {
      case ChangeRecord.SNAPSHOT, ChangeRecord.LOCKED_SNAPSHOT -> {
        p.snapshotRows++;
        snapshotRowsMetric[change.table].inc();
      }
      case ChangeRecord.INSERT, ChangeRecord.UPDATE, ChangeRecord.DELETE, ChangeRecord.TRUNCATE -> {
        p.changes++;
        p.lastChangeMillis = System.currentTimeMillis();
        changesMetric[change.table].inc();
        if (change.commitMillis > 0) {
          lagMillis[change.table] = Math.max(0, p.lastChangeMillis - change.commitMillis);
        }
      }
      case ChangeRecord.LOCKED_SNAPSHOT_DONE -> p.snapshotDone = true;
      case ChangeRecord.TABLE_ERRORED -> p.error = change.error;
      default -> {
        // markers
      }
    }
  }

  @Override
  public void processElement(StreamRecord<ChangeRecord> element) throws Exception {
    ChangeRecord change = element.getValue();
    TableLayout table = layout.table(change.table);
    count(change);
    switch (change.kind) {
      case ChangeRecord.LOCKED_SNAPSHOT_DONE, ChangeRecord.TABLE_ERRORED -> {
        // counted above
      }
      case ChangeRecord.SNAPSHOT -> {
        if (table.keyed()) {
          snapshotRow(table, change);
        } else {
          addCopy(table, change.row);
        }
      }
      case ChangeRecord.CHUNK_DONE -> completeChunk(table, change.chunk);
      case ChangeRecord.INSERT, ChangeRecord.UPDATE, ChangeRecord.LOCKED_SNAPSHOT -> {
        if (table.keyed()) {
          dropPending();
          upsert(table, change, rows.value(), true);
        } else {
          addCopy(table, change.row);
        }
      }
      case ChangeRecord.DELETE -> {
        if (table.keyed()) {
          dropPending();
          deleteKey(table);
        } else {
          removeCopy(table, change.row);
        }
      }
      case ChangeRecord.TRUNCATE -> truncate(table, change.lsn);
      default -> throw new IllegalStateException("unexpected change " + change);
    }
  }

  /**
   * A row of Flink CDC's snapshot of a keyed table: applied unless the stream has news of the key.
   */
  private void snapshotRow(TableLayout table, ChangeRecord change) throws Exception {
    Long truncated = truncatedAt.get(table.id);
    if (truncated != null && change.lsn < truncated) {
      return;
    }
    StoredRow current = rows.value();
    if (current != null ? current.streamed : deleted.value() != null) {
      return;
    }
    if (pending.value() == null) {
      pendingRows++;
    }
    pending.update(new PendingRow(change.row, change.chunk));
  }

  /** A streamed change of the current key wins over a snapshot row still waiting for its chunk. */
  private void dropPending() throws Exception {
    if (pendingRows > 0 && pending.value() != null) {
      pending.clear();
      pendingRows--;
    }
  }

  /** Applies the waiting rows of a complete chunk of {@code table}. */
  private void completeChunk(TableLayout table, long chunk) throws Exception {
    if (pendingRows == 0) {
      return;
    }
    String prefix = table.id + ":";
    getKeyedStateBackend()
        .applyToAllKeys(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            PENDING,
            (key, state) -> {
              PendingRow row = state.value();
              if (row != null
                  && row.chunk == chunk
                  && key instanceof String k
                  && k.startsWith(prefix)) {
                state.clear();
                pendingRows--;
                ChangeRecord change =
                    new ChangeRecord(table.index, ChangeRecord.SNAPSHOT, row.row, 0);
                upsert(table, change, rows.value(), false);
              }
            });
  }

  private void upsert(TableLayout table, ChangeRecord change, StoredRow current, boolean streamed)
      throws Exception {
    byte[] row = change.row;
    if (change.unchangedToast != 0) {
      if (current == null) {
        String error =
            String.format(
                "an UPDATE of table %s left a TOASTed value unchanged, and mzflink does not hold the row. Run ALTER TABLE %s"
                    + " REPLICA IDENTITY FULL; upstream and start the pipeline again from scratch (without --from-savepoint)",
                table.qualifiedName, table.qualifiedName);
        SourceStatuses.mark(
            layout.resultsUrl,
            layout.source,
            List.of(table.qualifiedName),
            SourceStatuses.Status.ERRORED,
            error);
        throw new SuppressRestartsException(new IllegalStateException(error));
      }
      row = fillToast(table, change.unchangedToast, row, current.row);
    }
    if (current == null) {
      emit(table, RowKind.INSERT, row);
    } else if (!Arrays.equals(current.row, row)) {
      emit(table, RowKind.UPDATE_BEFORE, current.row);
      emit(table, RowKind.UPDATE_AFTER, row);
    } else if (current.streamed || !streamed) {
      return;
    }
    rows.update(new StoredRow(row, 1, streamed));
  }

  private byte[] fillToast(TableLayout table, long mask, byte[] newRow, byte[] oldRow) {
    RowData next = table.deserialize(newRow);
    RowData previous = table.deserialize(oldRow);
    GenericRowData merged = new GenericRowData(table.arity());
    RowData.FieldGetter[] fields = getters[table.index];
    for (int i = 0; i < table.arity(); i++) {
      boolean unchanged = i < 64 && (mask & (1L << i)) != 0;
      merged.setField(i, fields[i].getFieldOrNull(unchanged ? previous : next));
    }
    return table.serialize(merged);
  }

  private void deleteKey(TableLayout table) throws Exception {
    StoredRow current = rows.value();
    if (current != null) {
      emit(table, RowKind.DELETE, current.row);
      rows.clear();
    }
    deleted.update(Boolean.TRUE);
  }

  private void addCopy(TableLayout table, byte[] row) throws Exception {
    StoredRow current = rows.value();
    rows.update(
        new StoredRow(
            current == null ? row : current.row, current == null ? 1 : current.count + 1, false));
    emit(table, RowKind.INSERT, row);
  }

  private void removeCopy(TableLayout table, byte[] row) throws Exception {
    StoredRow current = rows.value();
    if (current == null || current.count <= 0) {
      throw new IllegalStateException(
          String.format(
              "a row deleted from %s upstream was never replicated; the table's copy in mzflink is no longer exact",
              table.qualifiedName));
    }
    if (current.count == 1) {
      rows.clear();
    } else {
      rows.update(new StoredRow(current.row, current.count - 1, false));
    }
    emit(table, RowKind.DELETE, current.row);
  }

  private void truncate(TableLayout table, long lsn) throws Exception {
    truncatedAt.merge(table.id, lsn, Math::max);
    String prefix = table.id + ":";
    getKeyedStateBackend()
        .applyToAllKeys(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            ROWS,
            (key, state) -> {
              if (key instanceof String k && k.startsWith(prefix)) {
                StoredRow stored = state.value();
                if (stored != null) {
                  for (int i = 0; i < stored.count; i++) {
                    emit(table, RowKind.DELETE, stored.row);
                  }
                  state.clear();
                }
              }
            });
  }

  private void emit(TableLayout table, RowKind kind, byte[] row) {
    output.collect(new StreamRecord<>(new TableChange(table.index, kind.toByteValue(), row)));
  }
}
