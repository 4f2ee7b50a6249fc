package dev.mzflink.runtime.cdc;

import dev.mzflink.source.SourceLayout;
import dev.mzflink.source.TableLayout;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.conversion.DataStructureConverter;
import org.apache.flink.table.data.conversion.DataStructureConverters;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.utils.DataTypeUtils;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Sends each table's changes to its own side output, as rows for the table environment. */
final class TableRouter extends ProcessFunction<TableChange, Row> {
  private static final long serialVersionUID = 1L;

  private final SourceLayout layout;
  private final OutputTag<Row>[] tags;
  private transient DataStructureConverter<Object, Object>[] converters;

  @SuppressWarnings("unchecked")
  TableRouter(SourceLayout layout) {
    this.layout = layout;
    this.tags = new OutputTag[layout.tables.size()];
    for (TableLayout t : layout.tables) {
      tags[t.index] = new OutputTag<>("table-" + t.index, ExternalTypeInfo.of(dataType(t)));
    }
  }

  /**
   * The table's row type with every field bridged to Flink's internal data structures (an int for a
   * DATE, TimestampData for a TIMESTAMP): the rows reach the table environment without a conversion
   * to java.time, which cannot hold the values that stand for PostgreSQL's infinities.
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

  OutputTag<Row> tag(int table) {
    return tags[table];
  }

  @Override
  @SuppressWarnings("unchecked")
  public void open(Configuration parameters) {
    converters = new DataStructureConverter[layout.tables.size()];
    for (TableLayout t : layout.tables) {
      converters[t.index] = DataStructureConverters.getConverter(dataType(t));
      converters[t.index].open(getRuntimeContext().getUserCodeClassLoader());
    }
  }

  @Override
  public void processElement(TableChange change, Context context, Collector<Row> out) {
    TableLayout table = layout.table(change.table);
    RowData row = table.deserialize(change.row);
    Row external = (Row) converters[change.table].toExternal(row);
    external.setKind(RowKind.fromByteValue(change.kind));
    context.output(tags[change.table], external);
  }
}
