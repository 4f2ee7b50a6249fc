package dev.mzflink.runtime.cdc;

import dev.mzflink.source.SourceLayout;
import dev.mzflink.source.TableLayout;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.utils.DataTypeUtils;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sends each table's changes to its own side output, as Flink's internal rows (the form the
 * planner's operators work on; see {@link UpstreamTableSource}).
 */
final class TableRouter extends ProcessFunction<TableChange, RowData> {
  private static final long serialVersionUID = 1L;

  private final SourceLayout layout;
  private final OutputTag<RowData>[] tags;

  @SuppressWarnings("unchecked")
  TableRouter(SourceLayout layout) {
    this.layout = layout;
    this.tags = new OutputTag[layout.tables.size()];
    for (TableLayout t : layout.tables) {
      tags[t.index] = new OutputTag<>("table-" + t.index, InternalTypeInfo.of(t.rowType));
    }
  }

  /**
   * The table's row type with every field bridged to Flink's internal data structures (an int for a
   * DATE, TimestampData for a TIMESTAMP), the form its rows have: never converted to java.time,
   * which cannot hold the values that stand for PostgreSQL's infinities.
   */
  static DataType dataType(TableLayout table) {
    List<DataTypes.Field> fields = new ArrayList<>();
    for (int i = 0; i < table.rowType.getFieldCount(); i++) {
      fields.add(
          DataTypes.FIELD(
              table.rowType.getFieldNames().get(i),
              DataTypeUtils.toInternalDataType(table.rowType.getTypeAt(i))));
    }
    return DataTypes.ROW(fields.toArray(new DataTypes.Field[0]));
  }

  OutputTag<RowData> tag(int table) {
    return tags[table];
  }

  @Override
  public void processElement(TableChange change, Context context, Collector<RowData> out) {
    RowData row = layout.table(change.table).deserialize(change.row);
    row.setRowKind(RowKind.fromByteValue(change.kind));
    context.output(tags[change.table], row);
  }
}
