package dev.mzflink.translate;

import dev.mzflink.runtime.FlinkEnvironment;
import dev.mzflink.runtime.ViewSchemas;
import dev.mzflink.sql.Quote;
import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.FlinkInsert;
import dev.mzflink.translate.FlinkPlan.FlinkView;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.apache.flink.table.types.utils.TypeConversions;
import org.apache.flink.types.Row;

/**
 * Plans a translated pipeline in Flink without running it: source tables registered as changelog
 * streams (as the one-slot runtime does), the views and sinks created, the view types checked
 * against the translation, and the statement set optimized by the streaming planner.
 */
public final class ViewPlanning {
  private ViewPlanning() {}

  /** Flink's optimized plan of the pipeline; throws when Flink refuses it or types differ. */
  public static String plan(FlinkPlan plan) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    StreamTableEnvironment tables = FlinkEnvironment.tableEnvironment(env);
    registerSources(env, tables, plan);
    for (String statement : FlinkSqlRenderer.sinkDdl(plan, true)) {
      tables.executeSql(statement);
    }
    ViewSchemas.verify(tables, plan.views());
    String explained = "";
    if (!plan.inserts().isEmpty()) {
      StatementSet set = tables.createStatementSet();
      for (FlinkInsert insert : plan.inserts()) {
        set.addInsertSql(FlinkSqlRenderer.insert(insert));
      }
      explained = set.explain();
    }
    return explained;
  }

  /**
   * Runs every view of the plan on empty input into blackhole tables, so that Flink generates and
   * compiles the code of every operator (which planning alone does not).
   */
  public static void run(FlinkPlan plan) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    StreamTableEnvironment tables = register(env, plan);
    if (plan.views().isEmpty()) {
      return;
    }
    StatementSet set = tables.createStatementSet();
    int n = 0;
    for (FlinkView view : plan.views()) {
      String table = "`mz_check_" + n++ + "`";
      String columns =
          view.columns().stream()
              .map(c -> Quote.flinkIdentifier(c.name()) + " " + c.type())
              .collect(Collectors.joining(", "));
      tables.executeSql(
          "CREATE TEMPORARY TABLE "
              + table
              + " ("
              + columns
              + ") WITH ('connector' = 'blackhole')");
      set.addInsertSql("INSERT INTO " + table + " SELECT * FROM " + view.name().quoted());
    }
    set.execute().await();
  }

  /** The source tables, databases and views of a plan in a new table environment on {@code env}. */
  private static StreamTableEnvironment register(StreamExecutionEnvironment env, FlinkPlan plan) {
    StreamTableEnvironment tables = FlinkEnvironment.tableEnvironment(env);
    registerSources(env, tables, plan);
    for (String statement : FlinkSqlRenderer.views(plan)) {
      tables.executeSql(statement);
    }
    return tables;
  }

  /** The plan's databases, and its source tables as empty changelog streams. */
  private static void registerSources(
      StreamExecutionEnvironment env, StreamTableEnvironment tables, FlinkPlan plan) {
    for (String database : FlinkSqlRenderer.databases(plan)) {
      tables.executeSql(database);
    }
    for (SourceStream stream : plan.streams()) {
      for (StreamTable table : stream.tables()) {
        DataType row = rowType(table.columns());
        DataStream<Row> empty = env.fromCollection(List.of(), ExternalTypeInfo.of(row));
        Schema.Builder schema = Schema.newBuilder().fromRowDataType(row);
        if (!table.primaryKey().isEmpty()) {
          schema.primaryKey(table.primaryKey());
        }
        tables.createTemporaryView(
            table.flinkName().database() + "." + table.flinkName().name(),
            tables.fromChangelogStream(empty, schema.build(), ChangelogMode.all()));
      }
    }
  }

  private static DataType rowType(List<FlinkColumn> columns) {
    LogicalType[] types = new LogicalType[columns.size()];
    String[] names = new String[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      types[i] =
          LogicalTypeParser.parse(columns.get(i).type(), ViewPlanning.class.getClassLoader())
              .copy(!columns.get(i).notNull());
      names[i] = columns.get(i).name();
    }
    return TypeConversions.fromLogicalToDataType(RowType.of(types, names));
  }
}
