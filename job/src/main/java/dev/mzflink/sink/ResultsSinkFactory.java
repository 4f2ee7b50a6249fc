package dev.mzflink.sink;

import dev.mzflink.values.PgText;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * {@code 'connector' = 'mzflink-results'}: writes a Flink table into a table of the results
 * PostgreSQL database, exactly once, committing at checkpoints.
 */
public final class ResultsSinkFactory implements DynamicTableSinkFactory {
  public static final String IDENTIFIER = "mzflink-results";

  public static final ConfigOption<String> URL =
      ConfigOptions.key("url")
          .stringType()
          .noDefaultValue()
          .withDescription("JDBC URL of the results database");

  public static final ConfigOption<String> SCHEMA_NAME =
      ConfigOptions.key("schema-name")
          .stringType()
          .noDefaultValue()
          .withDescription("The results table's schema (its name, not quoted)");

  public static final ConfigOption<String> TABLE_NAME =
      ConfigOptions.key("table-name")
          .stringType()
          .noDefaultValue()
          .withDescription("The results table's name (not quoted)");

  public static final ConfigOption<String> TABLE_DEFINITION =
      ConfigOptions.key("table-definition")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The results table's columns and key as CREATE TABLE lists them, with PostgreSQL types: the sink creates the"
                  + " table when it is missing (mzflink run creates it before the job starts)");

  public static final ConfigOption<String> TABLE_TYPES =
      ConfigOptions.key("table-types")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "PostgreSQL statements that create the types the results table's columns use (enums), run before the"
                  + " sink creates a missing table; each creates its type only if it does not exist");

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(URL, SCHEMA_NAME, TABLE_NAME);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(TABLE_DEFINITION, TABLE_TYPES);
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    ResolvedSchema schema = context.getCatalogTable().getResolvedSchema();
    List<Column> physical = schema.getColumns().stream().filter(Column::isPhysical).toList();
    List<String> names = new ArrayList<>();
    LogicalType[] types = new LogicalType[physical.size()];
    RowData.FieldGetter[] text = new RowData.FieldGetter[physical.size()];
    for (int i = 0; i < physical.size(); i++) {
      names.add(physical.get(i).getName());
      types[i] = physical.get(i).getDataType().getLogicalType();
      text[i] = PgText.getter(types[i], i);
    }
    int[] key =
        schema
            .getPrimaryKey()
            .map(pk -> pk.getColumns().stream().mapToInt(names::indexOf).toArray())
            .orElse(new int[0]);
    ResultsTableSpec table =
        new ResultsTableSpec(
            new ResultsTableName(
                helper.getOptions().get(SCHEMA_NAME), helper.getOptions().get(TABLE_NAME)),
            names,
            types,
            key,
            helper.getOptions().getOptional(TABLE_DEFINITION),
            helper.getOptions().getOptional(TABLE_TYPES).orElse(""));
    return new ResultsDynamicSink(helper.getOptions().get(URL), table, text);
  }
}
