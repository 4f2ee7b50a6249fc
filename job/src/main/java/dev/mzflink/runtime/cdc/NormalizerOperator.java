package dev.mzflink.runtime.cdc;

import java.util.Arrays;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/**
 * Holds every table's current rows in keyed state (by primary key, or by the whole row with a
 * count for key-less tables) and turns the connector's changes into an exact changelog:
 *
 * <ul>
 *   <li>keyed tables are upserted: a change that repeats the current row emits nothing, so the
 *       at-least-once hand-over from snapshot to stream is exact; updates emit the stored old row
 *       and the new one, whatever the replica identity;
 *   <li>unchanged TOASTed values that an UPDATE did not carry are filled from the stored row;
 *   <li>key-less tables keep a count per distinct row, duplicates included;
 *   <li>TRUNCATE retracts every stored row of the table (every subtask receives it, see {@link
 *       TruncateFanOut}).
 * </ul>
 */
final class NormalizerOperator extends AbstractStreamOperator<TableChange>
    implements OneInputStreamOperator<ChangeRecord, TableChange> {
  private static final long serialVersionUID = 1L;

  static final ValueStateDescriptor<StoredRow> ROWS = new ValueStateDescriptor<>("rows", StoredRow.class);

  private final SourceLayout layout;
  private transient ValueState<StoredRow> rows;
  private transient RowData.FieldGetter[][] getters;

  NormalizerOperator(SourceLayout layout) {
    this.layout = layout;
  }

  @Override
  public void open() throws Exception {
    super.open();
    rows = getPartitionedState(ROWS);
    getters = new RowData.FieldGetter[layout.tables.size()][];
    for (TableLayout t : layout.tables) {
      getters[t.index] = new RowData.FieldGetter[t.arity()];
      for (int i = 0; i < t.arity(); i++) {
        getters[t.index][i] = RowData.createFieldGetter(t.rowType.getTypeAt(i), i);
      }
    }
  }

  @Override
  public void processElement(StreamRecord<ChangeRecord> element) throws Exception {
    ChangeRecord change = element.getValue();
    TableLayout table = layout.table(change.table);
    switch (change.kind) {
      case ChangeRecord.SNAPSHOT, ChangeRecord.INSERT, ChangeRecord.UPDATE, ChangeRecord.LOCKED_SNAPSHOT -> {
        if (table.keyed()) {
          upsert(table, change);
        } else {
          addCopy(table, change.row);
        }
      }
      case ChangeRecord.DELETE -> {
        if (table.keyed()) {
          deleteKey(table);
        } else {
          removeCopy(table, change.row);
        }
      }
      case ChangeRecord.TRUNCATE -> truncate(table);
      default -> throw new IllegalStateException("unexpected change " + change);
    }
  }

  private void upsert(TableLayout table, ChangeRecord change) throws Exception {
    StoredRow current = rows.value();
    byte[] row = change.row;
    if (change.unchangedToast != 0) {
      if (current == null) {
        throw new SuppressRestartsException(
            new IllegalStateException(
                String.format(
                    "an UPDATE of table %s left a TOASTed value unchanged, and mzflink does not hold the row. Run ALTER TABLE %s"
                        + " REPLICA IDENTITY FULL; upstream and start the pipeline again from scratch (without --from-savepoint)",
                    table.qualifiedName, table.qualifiedName)));
      }
      row = fillToast(table, change.unchangedToast, row, current.row);
    }
    if (current == null) {
      emit(table, RowKind.INSERT, row);
    } else if (!Arrays.equals(current.row, row)) {
      emit(table, RowKind.UPDATE_BEFORE, current.row);
      emit(table, RowKind.UPDATE_AFTER, row);
    } else {
      return;
    }
    rows.update(new StoredRow(row, 1));
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
  }

  private void addCopy(TableLayout table, byte[] row) throws Exception {
    StoredRow current = rows.value();
    rows.update(new StoredRow(current == null ? row : current.row, current == null ? 1 : current.count + 1));
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
      rows.update(new StoredRow(current.row, current.count - 1));
    }
    emit(table, RowKind.DELETE, current.row);
  }

  private void truncate(TableLayout table) throws Exception {
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
