package dev.mzflink.sink;

import dev.mzflink.values.KeyText;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.sink.DataStreamSinkProvider;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/**
 * The table sink behind {@code 'connector' = 'mzflink-results'}: an upsert sink when the table has
 * a primary key, a retracting (multiset) sink otherwise. Rows are partitioned by key, or by the
 * whole row, so each key's changes are committed in order by one writer.
 */
final class ResultsDynamicSink implements DynamicTableSink {
  private final String url;
  private final ResultsTableName table;
  private final Optional<String> definition;
  private final String types;
  private final List<String> columns;
  private final RowData.FieldGetter[] fields;
  private final int[] keyPositions;

  ResultsDynamicSink(
      String url,
      ResultsTableName table,
      Optional<String> definition,
      String types,
      List<String> columns,
      RowData.FieldGetter[] fields,
      int[] keyPositions) {
    this.url = url;
    this.table = table;
    this.definition = definition;
    this.types = types;
    this.columns = columns;
    this.fields = fields;
    this.keyPositions = keyPositions;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
    if (keyPositions.length > 0) {
      return ChangelogMode.upsert();
    }
    return ChangelogMode.newBuilder()
        .addContainedKind(RowKind.INSERT)
        .addContainedKind(RowKind.UPDATE_BEFORE)
        .addContainedKind(RowKind.UPDATE_AFTER)
        .addContainedKind(RowKind.DELETE)
        .build();
  }

  @Override
  public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
    ResultsSink sink =
        new ResultsSink(url, table, definition.orElse(null), types, columns, fields, keyPositions);
    RowData.FieldGetter[] partitionFields = fields;
    int[] partitionKey = keyPositions;
    return new DataStreamSinkProvider() {
      @Override
      public DataStreamSink<?> consumeDataStream(
          ProviderContext provider, DataStream<RowData> stream) {
        return stream
            .keyBy(new PartitionKey(partitionFields, partitionKey))
            .sinkTo(sink)
            .uid("mzflink-results-" + table)
            .name("results " + table);
      }
    };
  }

  /** The text of the key columns, or of the whole row for a key-less table. */
  static final class PartitionKey implements KeySelector<RowData, String> {
    private static final long serialVersionUID = 1L;
    private final RowData.FieldGetter[] fields;
    private final int[] key;

    PartitionKey(RowData.FieldGetter[] fields, int[] key) {
      this.fields = fields;
      this.key = key;
    }

    @Override
    public String getKey(RowData row) {
      return KeyText.append(new StringBuilder(), row, fields, key).toString();
    }
  }

  @Override
  public DynamicTableSink copy() {
    return new ResultsDynamicSink(url, table, definition, types, columns, fields, keyPositions);
  }

  @Override
  public String asSummaryString() {
    return "mzflink results " + table;
  }
}
