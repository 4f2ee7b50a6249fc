package dev.mzflink.sink;

import dev.mzflink.values.KeyText;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.sink.DataStreamSinkProvider;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/**
 * The table sink behind {@code 'connector' = 'mzflink-results'}: an upsert sink when the table has
 * a primary key, a retracting (multiset) sink otherwise. Rows are partitioned by key, or by the
 * whole row, so each key's changes are staged in order by one writer ({@link StagedWriter}); the
 * job's committer applies them ({@link ResultsCommitter}).
 */
final class ResultsDynamicSink implements DynamicTableSink {
  private final String url;
  private final ResultsTableSpec table;
  private final RowData.FieldGetter[] text;

  ResultsDynamicSink(String url, ResultsTableSpec table, RowData.FieldGetter[] text) {
    this.url = url;
    this.table = table;
    this.text = text;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
    if (table.keyed()) {
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
    return new DataStreamSinkProvider() {
      @Override
      public DataStreamSink<?> consumeDataStream(
          ProviderContext provider, DataStream<RowData> stream) {
        String id = table.quoted();
        SingleOutputStreamOperator<Marker> markers =
            stream
                .keyBy(new PartitionKey(text, table.key))
                .transform(
                    "results " + id, TypeInformation.of(Marker.class), new StagedWriter(url, table))
                .uid(ResultsCommitGroup.writerUid(id))
                .setParallelism(stream.getExecutionEnvironment().getParallelism());
        if (ResultsCommitGroup.join(url, table, markers)) {
          return markers
              .sinkTo(new DiscardingSink<>())
              .uid("mzflink-results-markers-" + id)
              .name("markers of " + id);
        }
        return ResultsCommitGroup.attach(
            markers,
            url,
            List.of(table),
            List.of(),
            Map.of(),
            Map.of(),
            "mzflink-results-committer-" + id);
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
    return new ResultsDynamicSink(url, table, text);
  }

  @Override
  public String asSummaryString() {
    return "mzflink results " + table.quoted();
  }
}
