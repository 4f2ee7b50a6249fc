package dev.mzflink.runtime.cdc;

import dev.mzflink.sink.SourcePosition;
import dev.mzflink.source.ChangeRecord;
import dev.mzflink.source.PgSource;
import dev.mzflink.source.SourceLayout;
import dev.mzflink.source.TableLayout;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.TableDescriptor;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;

/**
 * Builds the reading of each source and registers every table of it in the table environment under
 * the name of its Flink source table, so the script's views and sinks run on it unchanged.
 *
 * <pre>
 *  postgres (one slot; snapshot by COPY) ─ fan out TRUNCATE/RESET ─ key by row ─ normalize ─ route ─▶ one table per view
 * </pre>
 *
 * Every operator has a stable uid derived from the slot name, so savepoints survive changes of
 * mzflink's job graph elsewhere.
 */
public final class SourceStreams {
  /** The normalizer's max parallelism: fixed, because its state is partitioned by it. */
  public static final int MAX_PARALLELISM = 128;

  private SourceStreams() {}

  /**
   * Adds the sources to {@code env} and registers their tables in {@code tables}; each source keeps
   * its rows of the status table in the results database at {@code resultsUrl} current and reports
   * a slot retaining more than {@code walWarningBytes} as stalled. {@code pipeline} (the job name)
   * and {@code run} (a token of this run) name the run upstream and in the slot registry.
   *
   * @return per source (its quoted name), its positions (the WAL position before which every
   *     upstream transaction was emitted, -1 while a snapshot of the source is read, and the tables
   *     read beside the stream), and the operators whose output is one upstream table's changes,
   *     with the table's id
   */
  public static Registered register(
      StreamExecutionEnvironment env,
      StreamTableEnvironment tables,
      List<SourceStream> streams,
      String resultsUrl,
      long walWarningBytes,
      String pipeline,
      String run) {
    int parallelism = env.getParallelism();
    Map<String, DataStream<SourcePosition>> positions = new LinkedHashMap<>();
    Map<Transformation<?>, String> upstream = new IdentityHashMap<>();
    for (SourceStream stream : streams) {
      SourceLayout layout = new SourceLayout(stream, resultsUrl, pipeline, run);
      // The slot name is unique per source, stable, and made of [a-z0-9_].
      String id = stream.slot();
      SingleOutputStreamOperator<ChangeRecord> fannedOut =
          env.fromSource(
                  new PgSource(layout),
                  WatermarkStrategy.noWatermarks(),
                  "postgres " + stream.name().quoted())
              .uid(sourceUid(stream))
              .process(new TruncateFanOut(parallelism, MAX_PARALLELISM))
              .returns(TypeInformation.of(ChangeRecord.class))
              .uid("mzflink-fan-out-" + id)
              .name("fan out TRUNCATE and RESET");
      positions.put(layout.source, fannedOut.getSideOutput(TruncateFanOut.POSITIONS));
      SingleOutputStreamOperator<TableChange> normalized =
          fannedOut
              .keyBy(c -> c.key, Types.STRING)
              .transform(
                  "normalize " + stream.name().quoted(),
                  TypeInformation.of(TableChange.class),
                  new NormalizerOperator(layout))
              .uid("mzflink-normalizer-" + id)
              .setParallelism(parallelism)
              .setMaxParallelism(MAX_PARALLELISM);
      normalized
          .getSideOutput(NormalizerOperator.PROGRESS)
          .transform(
              "status of " + stream.name().quoted(),
              TypeInformation.of(Void.class),
              new StatusReporter(layout, walWarningBytes))
          .setParallelism(1)
          .setMaxParallelism(1)
          .uid("mzflink-status-" + id);
      TableRouter router = new TableRouter(layout);
      SingleOutputStreamOperator<RowData> routed =
          normalized
              .process(router)
              .returns(InternalTypeInfo.of(RowType.of()))
              .uid("mzflink-route-" + id)
              .name("route tables " + stream.name().quoted());
      for (TableLayout t : layout.tables) {
        StreamTable table = stream.tables().get(t.index);
        Schema.Builder schema = Schema.newBuilder().fromRowDataType(TableRouter.dataType(t));
        if (!table.primaryKey().isEmpty()) {
          schema.primaryKey(table.primaryKey());
        }
        // The planner reads the table's changes as internal rows through a scan source.
        String key = run + "/" + id + "/" + t.index;
        DataStream<RowData> changes = routed.getSideOutput(router.tag(t.index));
        upstream.put(changes.getTransformation(), t.id);
        UpstreamTableFactory.register(key, changes);
        tables.createTemporaryTable(
            table.flinkName().quoted(),
            TableDescriptor.forConnector(UpstreamTableFactory.IDENTIFIER)
                .schema(schema.build())
                .option(UpstreamTableFactory.STREAM, key)
                .build());
      }
    }
    return new Registered(positions, upstream);
  }

  /**
   * What {@link #register} built: per source, its positions; per operator whose output is one
   * upstream table's changes, the table's id ({@code TableLayout#id}).
   */
  public record Registered(
      Map<String, DataStream<SourcePosition>> positions, Map<Transformation<?>, String> upstream) {}

  /** The uid of the source's source operator, whose state holds its WAL position. */
  public static String sourceUid(SourceStream stream) {
    return "mzflink-pgsource-" + stream.slot();
  }
}
