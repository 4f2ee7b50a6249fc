package dev.mzflink.runtime.cdc;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.source.DataStreamScanProvider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.data.RowData;

/**
 * An upstream table's exact changelog (inserts, update pairs, deletes), as the normalizer emits it,
 * handed to the planner as Flink's internal rows: no conversion to external rows and back.
 */
final class UpstreamTableSource implements ScanTableSource {
  private final String key;

  UpstreamTableSource(String key) {
    this.key = key;
  }

  @Override
  public ChangelogMode getChangelogMode() {
    return ChangelogMode.all();
  }

  @Override
  public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
    return new DataStreamScanProvider() {
      @Override
      public DataStream<RowData> produceDataStream(
          ProviderContext providerContext, StreamExecutionEnvironment env) {
        return UpstreamTableFactory.stream(key);
      }

      @Override
      public boolean isBounded() {
        return false;
      }
    };
  }

  @Override
  public DynamicTableSource copy() {
    return new UpstreamTableSource(key);
  }

  @Override
  public String asSummaryString() {
    return "mzflink upstream table";
  }
}
