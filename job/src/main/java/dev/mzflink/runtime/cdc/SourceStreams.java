package dev.mzflink.runtime.cdc;

import dev.mzflink.translate.ConvertedColumns;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.types.Row;

/**
 * Builds the one-slot reading of each source and registers every table of it in the table
 * environment under the name of its Flink source table, so the script's views and sinks run on it
 * unchanged.
 *
 * <pre>
 *  postgres (one slot) ─ deserialize ─┬──────────────────────────────┬─ fan out TRUNCATE ─ key by row ─ normalize ─ route ─▶ one table per view
 *                                     └ locked tables ─┐             │
 *  locked snapshot (SHARE lock) ──────────────────────┴ hand over ──┘
 * </pre>
 *
 * Every operator has a stable uid derived from the source name, so savepoints survive changes of
 * mzflink's job graph elsewhere.
 */
public final class SourceStreams {
  /** The normalizer's max parallelism: fixed, because its state is partitioned by it. */
  static final int MAX_PARALLELISM = 128;

  private SourceStreams() {}

  /**
   * Adds the sources to {@code env} and registers their tables in {@code tables}; each source keeps
   * its rows of the status table in the results database at {@code resultsUrl} current and reports
   * a slot retaining more than {@code walWarningBytes} as stalled.
   */
  public static void register(
      StreamExecutionEnvironment env,
      StreamTableEnvironment tables,
      List<SourceStream> streams,
      String resultsUrl,
      long walWarningBytes) {
    int parallelism = env.getParallelism();
    for (SourceStream stream : streams) {
      SourceLayout layout = new SourceLayout(stream, resultsUrl);
      // The slot name is unique per source, stable, and made of [a-z0-9_].
      String id = stream.slot();
      DataStream<ChangeRecord> changes =
          env.fromSource(
                  source(stream, layout),
                  WatermarkStrategy.noWatermarks(),
                  "postgres " + stream.name().quoted())
              .uid(sourceUid(stream));
      // Flink CDC's snapshot rows go straight to the normalizer; streamed changes wait in the
      // hand-over until their table's snapshot (Flink CDC's or a locked one) is in place.
      DataStream<ChangeRecord> snapshotRows =
          changes
              .filter(SourceStreams::snapshotPath)
              .uid("mzflink-snapshot-rows-" + id)
              .name("snapshot rows");
      DataStream<ChangeRecord> streamed =
          changes
              .filter(c -> !snapshotPath(c))
              .uid("mzflink-streamed-" + id)
              .name("streamed changes");
      DataStream<ChangeRecord> lockedSnapshot =
          env.addSource(
                  new LockedSnapshotSource(layout, jdbcUrl(stream), jdbcProperties(stream)),
                  "locked snapshot " + stream.name().quoted())
              .returns(TypeInformation.of(ChangeRecord.class))
              .setParallelism(1)
              .uid("mzflink-locked-snapshot-" + id);
      DataStream<ChangeRecord> handedOver =
          streamed
              .union(lockedSnapshot)
              .keyBy(c -> layout.table(c.table).id, Types.STRING)
              .process(new HandOverFunction(layout))
              .returns(TypeInformation.of(ChangeRecord.class))
              .uid("mzflink-hand-over-" + id)
              .name("hand over snapshot to stream");
      DataStream<ChangeRecord> all = snapshotRows.union(handedOver);
      SingleOutputStreamOperator<TableChange> normalized =
          all.flatMap(new TruncateFanOut(parallelism, MAX_PARALLELISM))
              .returns(TypeInformation.of(ChangeRecord.class))
              .uid("mzflink-truncate-fan-out-" + id)
              .name("fan out TRUNCATE")
              .keyBy(c -> c.key, Types.STRING)
              .transform(
                  "normalize " + stream.name().quoted(),
                  TypeInformation.of(TableChange.class),
                  new NormalizerOperator(layout))
              .uid("mzflink-normalize-" + id)
              .setParallelism(parallelism)
              .setMaxParallelism(MAX_PARALLELISM);
      normalized
          .getSideOutput(NormalizerOperator.PROGRESS)
          .transform(
              "status of " + stream.name().quoted(),
              TypeInformation.of(Void.class),
              new StatusReporter(
                  layout,
                  stream.name().quoted(),
                  jdbcUrl(stream),
                  jdbcProperties(stream),
                  resultsUrl,
                  walWarningBytes))
          .setParallelism(1)
          .setMaxParallelism(1)
          .uid("mzflink-status-" + id);
      TableRouter router = new TableRouter(layout);
      SingleOutputStreamOperator<Row> routed =
          normalized
              .process(router)
              .uid("mzflink-route-" + id)
              .name("route tables " + stream.name().quoted());
      for (TableLayout t : layout.tables) {
        StreamTable table = stream.tables().get(t.index);
        Schema.Builder schema = Schema.newBuilder().fromRowDataType(TableRouter.dataType(t));
        if (!table.primaryKey().isEmpty()) {
          schema.primaryKey(table.primaryKey());
        }
        Table view =
            tables.fromChangelogStream(
                routed.getSideOutput(router.tag(t.index)), schema.build(), ChangelogMode.all());
        tables.createTemporaryView(table.flinkName().quoted(), view);
      }
    }
  }

  /** Records of Flink CDC's snapshot: its rows and the ends of its chunks. */
  static boolean snapshotPath(ChangeRecord c) {
    return c.kind == ChangeRecord.SNAPSHOT || c.kind == ChangeRecord.CHUNK_DONE;
  }

  /** The uid of the source's Flink CDC source operator, whose state holds its WAL position. */
  public static String sourceUid(SourceStream stream) {
    return "mzflink-source-" + stream.slot();
  }

  /** How the source operator serializes its splits into savepoints. */
  public static SimpleVersionedSerializer<SourceSplitBase> splitSerializer(SourceStream stream) {
    return source(stream, new SourceLayout(stream, "")).getSplitSerializer();
  }

  private static PostgresIncrementalSource<ChangeRecord> source(
      SourceStream stream, SourceLayout layout) {
    Set<String> schemas = new LinkedHashSet<>();
    Set<String> tableList = new LinkedHashSet<>();
    Set<String> excluded = new LinkedHashSet<>();
    for (TableLayout t : layout.tables) {
      schemas.add(regex(t.schema));
      tableList.add(regex(t.schema) + "\\." + regex(t.name));
      if (t.lockedSnapshot) {
        excluded.add(SourceDialect.id(t.schema, t.name));
      }
    }
    Properties debezium = new Properties();
    debezium.setProperty("publication.name", stream.publication());
    debezium.setProperty("publication.autocreate.mode", "disabled");
    // Debezium skips TRUNCATE by default: mzflink retracts the table's rows instead.
    debezium.setProperty("truncate.handling.mode", "include");
    debezium.setProperty("skipped.operations", "none");
    debezium.setProperty("unavailable.value.placeholder", ChangeDeserializer.UNAVAILABLE);
    // Values Debezium would convert lossily are converted by mzflink from what it receives.
    debezium.setProperty("converters", ConvertedColumns.CONVERTER_NAME);
    debezium.setProperty(
        ConvertedColumns.CONVERTER_NAME + ".type", PgTextConverter.class.getName());
    debezium.setProperty(
        ConvertedColumns.CONVERTER_NAME + ".columns",
        ConvertedColumns.encode(stream.convertedColumns()));
    debezium.setProperty(
        ConvertedColumns.CONVERTER_NAME + ".unavailable", ChangeDeserializer.UNAVAILABLE);
    // Otherwise Debezium streams NULL for types it does not know by name (name, ...).
    debezium.setProperty("include.unknown.datatypes", "true");
    stream.connection().ssl().forEach((key, v) -> debezium.setProperty("database." + key, v));
    ChangeDeserializer deserializer = new ChangeDeserializer(layout);
    PostgresSourceBuilder<ChangeRecord> builder =
        PostgresIncrementalSource.<ChangeRecord>builder()
            .hostname(stream.connection().host())
            .port(stream.connection().port())
            .database(stream.connection().database())
            .schemaList(schemas.toArray(new String[0]))
            .tableList(tableList.toArray(new String[0]))
            .username(stream.connection().user())
            .password(stream.connection().password().value())
            .slotName(stream.slot())
            .decodingPluginName("pgoutput")
            .debeziumProperties(debezium)
            .deserializer(deserializer)
            .splitSize(stream.snapshotChunkRows())
            .skipSnapshotBackfill(true)
            .heartbeatInterval(Duration.ofSeconds(30))
            .startupOptions(StartupOptions.initial());
    PostgresSourceConfigFactory factory = builder.getConfigFactory();
    return new ChunkAwareSource(
        factory,
        deserializer,
        new PostgresOffsetFactory(),
        new SourceDialect(
            factory.create(0),
            excluded,
            layout.source,
            jdbcUrl(stream),
            jdbcProperties(stream),
            layout.resultsUrl));
  }

  /** A Debezium include-list entry that matches exactly {@code name}. */
  static String regex(String name) {
    if (name.contains(",")) {
      throw new IllegalArgumentException("names with commas cannot be captured: " + name);
    }
    return name.replaceAll("([\\\\.\\[\\]{}()*+?^$|])", "\\\\$1");
  }

  private static String jdbcUrl(SourceStream stream) {
    return stream.connection().jdbcUrl();
  }

  private static Properties jdbcProperties(SourceStream stream) {
    Properties p = stream.connection().jdbcProperties();
    p.setProperty("ApplicationName", "mzflink locked snapshot");
    return p;
  }
}
