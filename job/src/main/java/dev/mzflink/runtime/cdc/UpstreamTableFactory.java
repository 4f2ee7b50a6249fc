package dev.mzflink.runtime.cdc;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * {@code 'connector' = 'mzflink-upstream'}: an upstream table as the normalizer keeps it, read by
 * the views as Flink's internal rows (see {@link UpstreamTableSource}). The changes are a data
 * stream that {@link SourceStreams} built in the same job; the table names it by a key that is
 * valid while the job's graph is built, in the process that builds it.
 */
public final class UpstreamTableFactory implements DynamicTableSourceFactory {
  public static final String IDENTIFIER = "mzflink-upstream";

  static final ConfigOption<String> STREAM =
      ConfigOptions.key("stream")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The key of the table's changes among the streams of the job being built");

  /** The streams of the jobs being built in this process, by key. */
  private static final Map<String, DataStream<RowData>> STREAMS = new ConcurrentHashMap<>();

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(STREAM);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of();
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    String key = helper.getOptions().get(STREAM);
    if (!STREAMS.containsKey(key)) {
      throw new IllegalStateException(
          "table "
              + context.getObjectIdentifier().asSummaryString()
              + " is an upstream table of an mzflink job that is not being built in this process");
    }
    return new UpstreamTableSource(key);
  }

  static void register(String key, DataStream<RowData> changes) {
    STREAMS.put(key, changes);
  }

  static DataStream<RowData> stream(String key) {
    DataStream<RowData> changes = STREAMS.get(key);
    if (changes == null) {
      throw new IllegalStateException("the upstream stream " + key + " is gone");
    }
    return changes;
  }

  /** Forgets the streams registered under keys starting with {@code prefix} (one job's). */
  public static void forget(String prefix) {
    STREAMS.keySet().removeIf(k -> k.startsWith(prefix));
  }
}
