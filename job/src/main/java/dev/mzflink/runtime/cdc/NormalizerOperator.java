package dev.mzflink.runtime.cdc;

import dev.mzflink.source.ChangeRecord;
import dev.mzflink.source.SourceLayout;
import dev.mzflink.source.TableLayout;
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
 * for key-less tables) and turns the source's changes into an exact changelog:
 *
 * <ul>
 *   <li>keyed tables are upserted: a change that repeats the current row emits nothing; updates
 *       emit the stored old row and the new one, whatever the replica identity;
 *   <li>snapshot rows and streamed changes come from different readers, so a row read in the
 *       snapshot can arrive after a streamed change of it. The stream holds every change after the
 *       snapshot's point, each with the whole row, so once a key had a streamed change (or was
 *       deleted: a tombstone kept for an hour) its snapshot rows are ignored, as are snapshot rows
 *       read before a TRUNCATE of the table; key-less tables count copies, in any order;
 *   <li>a table snapshotted again has a later generation ({@link ChangeRecord#gen}): rows of an
 *       earlier generation are retracted when the table's {@link ChangeRecord#RESET} arrives, or
 *       when a record of the later generation meets them first;
 *   <li>unchanged TOASTed values that an UPDATE did not carry are filled from the stored row;
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

  /** A deleted key's tombstone: the generation it was deleted in. */
  static final ValueStateDescriptor<Long> DELETED =
      new ValueStateDescriptor<>("deleted-in", Long.class);

  static {
    DELETED.enableTimeToLive(
        StateTtlConfig.newBuilder(TOMBSTONE_TTL)
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .cleanupInRocksdbCompactFilter(1000)
            .build());
  }

  /** Per table id, the WAL position of its latest TRUNCATE, in every subtask. */
  private static final ListStateDescriptor<String> TRUNCATED =
      new ListStateDescriptor<>("truncated-at", String.class);

  /** Per table id, the generation of its latest RESET, in every subtask. */
  private static final ListStateDescriptor<String> RESETS =
      new ListStateDescriptor<>("reset-to", String.class);

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
  private transient ValueState<Long> deleted;
  private transient ListState<String> truncatedState;
  private transient ListState<String> resetState;
  private transient Map<String, Long> truncatedAt;
  private transient Map<String, Long> resetTo;
  private transient RowData.FieldGetter[][] getters;
  private transient StoredShapes shapes;

  NormalizerOperator(SourceLayout layout) {
    this.layout = layout;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    truncatedState = context.getOperatorStateStore().getUnionListState(TRUNCATED);
    truncatedAt = read(truncatedState);
    resetState = context.getOperatorStateStore().getUnionListState(RESETS);
    resetTo = read(resetState);
    shapes = new StoredShapes(layout);
    shapes.restore(context.getOperatorStateStore(), context.isRestored());
  }

  private static Map<String, Long> read(ListState<String> state) throws Exception {
    Map<String, Long> values = new HashMap<>();
    for (String entry : state.get()) {
      int at = entry.lastIndexOf('=');
      values.merge(entry.substring(0, at), Long.parseLong(entry.substring(at + 1)), Math::max);
    }
    return values;
  }

  private static void write(ListState<String> state, Map<String, Long> values) throws Exception {
    List<String> entries = new ArrayList<>();
    values.forEach((id, lsn) -> entries.add(id + "=" + lsn));
    state.update(entries);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    write(truncatedState, truncatedAt);
    write(resetState, resetTo);
    shapes.snapshot();
  }

  @Override
  public void open() throws Exception {
    super.open();
    rows = getPartitionedState(ROWS);
    deleted = getPartitionedState(DELETED);
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
    if (change.table < 0) {
      return;
    }
    TableProgress p = progress[change.table];
    switch (change.kind) {
      case ChangeRecord.SNAPSHOT -> {
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
      case ChangeRecord.TABLE_ERRORED -> {
        p.error = change.error;
        p.gen = Math.max(p.gen, change.gen);
      }
      case ChangeRecord.TABLE_DROPPED -> {
        p.dropped = change.error;
        p.gen = Math.max(p.gen, change.gen);
      }
      case ChangeRecord.RESET -> {
        p.reset = true;
        p.gen = Math.max(p.gen, change.gen);
      }
      case ChangeRecord.SNAPSHOT_DONE -> {
        p.snapshotDone = true;
        p.snapshotTotal = change.count;
        p.gen = Math.max(p.gen, change.gen);
      }
      default -> {
        // markers
      }
    }
  }

  @Override
  public void processElement(StreamRecord<ChangeRecord> element) throws Exception {
    ChangeRecord change = element.getValue();
    count(change);
    if (change.table >= 0 && change.gen > 0 && carriesRows(change.kind)) {
      shapes.seen(layout.table(change.table), change.gen);
    }
    if (change.kind == ChangeRecord.RESET) {
      reset(change.table, change.gen);
      return;
    }
    TableLayout table = layout.table(change.table);
    switch (change.kind) {
      case ChangeRecord.TABLE_ERRORED, ChangeRecord.TABLE_DROPPED, ChangeRecord.SNAPSHOT_DONE -> {
        // counted above
      }
      case ChangeRecord.SNAPSHOT -> {
        if (table.keyed()) {
          snapshotRow(table, change);
        } else {
          addCopies(table, change, 1);
        }
      }
      case ChangeRecord.INSERT, ChangeRecord.UPDATE -> {
        if (table.keyed()) {
          upsert(table, change, current(table, change.gen), true);
        } else {
          addCopies(table, change, 1);
        }
      }
      case ChangeRecord.DELETE -> {
        if (table.keyed()) {
          deleteKey(table, change.gen);
        } else {
          addCopies(table, change, -1);
        }
      }
      case ChangeRecord.TRUNCATE -> truncate(table, change.lsn);
      default -> throw new IllegalStateException("unexpected change " + change);
    }
  }

  private static boolean carriesRows(byte kind) {
    return switch (kind) {
      case ChangeRecord.SNAPSHOT,
          ChangeRecord.INSERT,
          ChangeRecord.UPDATE,
          ChangeRecord.DELETE,
          ChangeRecord.RESET ->
          true;
      default -> false;
    };
  }

  /**
   * The key's stored row, when it belongs to generation {@code gen} (or an earlier one's, which is
   * retracted first: the table was snapshotted again); null if none.
   */
  private StoredRow current(TableLayout table, long gen) throws Exception {
    return current(table, gen, rows.value());
  }

  /** {@link #current(TableLayout, long)} of the key's stored row, already read. */
  private StoredRow current(TableLayout table, long gen, StoredRow stored) throws Exception {
    if (stored != null && stored.gen < gen) {
      retract(table, stored);
      rows.clear();
      return null;
    }
    return stored;
  }

  /** A snapshot row of a keyed table: applied unless the stream has news of the key. */
  private void snapshotRow(TableLayout table, ChangeRecord change) throws Exception {
    Long truncated = truncatedAt.get(table.id);
    if (truncated != null && change.lsn < truncated) {
      return;
    }
    StoredRow stored = rows.value();
    if (stored != null && stored.gen > change.gen) {
      return; // of a snapshot taken again since
    }
    StoredRow current = current(table, change.gen, stored);
    if (current != null && current.streamed) {
      return;
    }
    Long deletedIn = deleted.value();
    if (current == null && deletedIn != null && deletedIn >= change.gen) {
      return;
    }
    upsert(table, change, current, false);
  }

  private void upsert(TableLayout table, ChangeRecord change, StoredRow current, boolean streamed)
      throws Exception {
    byte[] row = change.row;
    if (change.unchangedToast != 0) {
      if (current == null) {
        String error =
            String.format(
                "an UPDATE of table %s left a TOASTed value unchanged, and mzflink does not hold the"
                    + " row. Run ALTER TABLE %s REPLICA IDENTITY FULL; upstream and start the"
                    + " pipeline again from scratch (without --from-savepoint)",
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
    rows.update(new StoredRow(row, 1, streamed, change.gen));
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

  private void deleteKey(TableLayout table, long gen) throws Exception {
    StoredRow current = current(table, gen);
    if (current != null) {
      emit(table, RowKind.DELETE, current.row);
      rows.clear();
    }
    deleted.update(gen);
  }

  /**
   * Adds {@code delta} copies of a key-less table's row. Copies arrive in any order (a snapshot row
   * after the streamed delete of it), so the count may dip below zero for a while; only copies that
   * exist are emitted.
   */
  private void addCopies(TableLayout table, ChangeRecord change, int delta) throws Exception {
    if (change.kind == ChangeRecord.SNAPSHOT) {
      Long truncated = truncatedAt.get(table.id);
      if (truncated != null && change.lsn < truncated) {
        return;
      }
    }
    StoredRow stored = rows.value();
    if (stored != null && stored.gen > change.gen) {
      return; // of a snapshot taken again since
    }
    StoredRow current = current(table, change.gen);
    int before = current == null ? 0 : current.count;
    int after = before + delta;
    byte[] row = current == null ? change.row : current.row;
    for (int i = Math.max(before, 0); i < Math.max(after, 0); i++) {
      emit(table, RowKind.INSERT, row);
    }
    for (int i = Math.max(after, 0); i < Math.max(before, 0); i++) {
      emit(table, RowKind.DELETE, row);
    }
    if (after == 0) {
      rows.clear();
    } else {
      rows.update(new StoredRow(row, after, false, change.gen));
    }
  }

  /**
   * Emits the deletion of every copy of {@code stored} that the changelog holds, in the table's
   * current shape (see {@link StoredShapes}).
   */
  private void retract(TableLayout table, StoredRow stored) {
    int copies = table.keyed() ? 1 : Math.max(stored.count, 0);
    byte[] row = copies == 0 ? null : shapes.row(table, stored);
    for (int i = 0; i < copies; i++) {
      emit(table, RowKind.DELETE, row);
    }
  }

  private void truncate(TableLayout table, long lsn) throws Exception {
    truncatedAt.merge(table.id, lsn, Math::max);
    clearTable(table.keyId, Long.MAX_VALUE);
  }

  /** Forgets (and retracts) the rows of earlier generations of one table, or of every table. */
  private void reset(int tableIndex, long gen) throws Exception {
    String id = tableIndex < 0 ? "*" : layout.table(tableIndex).id;
    Long done = resetTo.get(id);
    if (done != null && done >= gen) {
      return;
    }
    resetTo.put(id, gen);
    clearTable(tableIndex < 0 ? null : layout.table(tableIndex).keyId, gen);
  }

  /**
   * Retracts and clears the stored rows of the table with key id {@code keyId} (every table when
   * null) whose generation is before {@code gen}.
   */
  private void clearTable(String keyId, long gen) throws Exception {
    String prefix = keyId == null ? null : keyId + ":";
    getKeyedStateBackend()
        .applyToAllKeys(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            ROWS,
            (key, state) -> {
              if (!(key instanceof String k) || (prefix != null && !k.startsWith(prefix))) {
                return;
              }
              StoredRow stored = state.value();
              if (stored == null || stored.gen >= gen) {
                return;
              }
              TableLayout table = layout.tableWithKeyId(k.substring(0, k.indexOf(':')));
              if (table != null) {
                retract(table, stored);
              }
              state.clear();
            });
  }

  private void emit(TableLayout table, RowKind kind, byte[] row) {
    output.collect(new StreamRecord<>(new TableChange(table.index, kind.toByteValue(), row)));
  }
}
