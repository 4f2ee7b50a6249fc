package dev.mzflink.runtime.cdc;

import dev.mzflink.translate.ConvertedColumns;
import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.FlinkValues;
import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * mzflink's Debezium converter (property {@code converters=mzflink}): for the columns named in its
 * {@code columns} option ({@link ConvertedColumns}) it replaces Debezium's conversion, which turns
 * numeric NaN and arrays holding it into NULL, reads BC timestamps in the wrong calendar, loses
 * infinities, rounds interval seconds, cuts time to milliseconds in snapshots and drops arrays of
 * some types altogether. It receives the value as the replication stream or JDBC gave it, makes
 * PostgreSQL's canonical text of it ({@link ConnectorValues}) and hands over what Flink CDC's
 * converters read exactly for the column's Flink type ({@link #connectValue}): the same on both
 * runtime paths, {@code mzflink run} and the postgres-cdc SQL connector.
 *
 * <p>Options: {@code columns}, and {@code unavailable}: the text that stands for a TOASTed value an
 * update left unchanged (Debezium's {@code unavailable.value.placeholder}).
 */
public final class PgTextConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {
  /** Debezium's default placeholder for a TOASTed value the WAL does not carry. */
  static final String DEFAULT_UNAVAILABLE = "__debezium_unavailable_value";

  private final Map<String, ConvertedColumns.Column> columns = new HashMap<>();
  private String unavailable = DEFAULT_UNAVAILABLE;

  @Override
  public void configure(Properties properties) {
    for (ConvertedColumns.Column c :
        ConvertedColumns.decode(properties.getProperty("columns", ""))) {
      columns.put(key(c.schema() + "." + c.table(), c.column()), c);
    }
    unavailable = properties.getProperty("unavailable", DEFAULT_UNAVAILABLE);
  }

  private static String key(String dataCollection, String column) {
    return dataCollection + "\u0000" + column;
  }

  @Override
  public void converterFor(
      RelationalColumn field, ConverterRegistration<SchemaBuilder> registration) {
    ConvertedColumns.Column c = column(field.dataCollection(), field.name());
    if (c == null) {
      return;
    }
    PgValueKind kind = c.kind();
    PgValueKind element = c.element().orElse(null);
    String placeholder = unavailable;
    String column = field.dataCollection() + "." + field.name();
    SchemaBuilder schema = schema(kind);
    if (kind == PgValueKind.NUMERIC && field.scale().isPresent()) {
      // As on Debezium's own decimal schemas: the schema check notices a scale changed upstream.
      schema.parameter("scale", Integer.toString(field.scale().getAsInt()));
    }
    registration.register(
        schema,
        raw -> {
          if (raw == null) {
            return null;
          }
          if (raw == UnchangedToastedReplicationMessageColumn.UNCHANGED_TOAST_VALUE
              || placeholder.equals(raw)) {
            return placeholder;
          }
          String text;
          try {
            text = ConnectorValues.of(kind, element, raw);
          } catch (RuntimeException e) {
            throw new IllegalStateException(
                String.format(
                    "cannot read column %s of %s (%s): %s",
                    field.name(), field.dataCollection(), kind, e.getMessage()),
                e);
          }
          return connectValue(kind, text, column);
        });
  }

  /**
   * The Kafka Connect schema of a converted column: what Flink CDC's converters read exactly for
   * the column's Flink type (both {@code mzflink run} and the postgres-cdc SQL connector use them).
   */
  static SchemaBuilder schema(PgValueKind kind) {
    return kind == PgValueKind.DATE
        ? SchemaBuilder.int32().optional()
        : SchemaBuilder.string().optional();
  }

  /**
   * The value handed to Flink CDC for canonical {@code text}: epoch days for a DATE (±infinity as
   * {@link dev.mzflink.values.PgText#DATE_INFINITY} and its negative), an ISO-8601 instant in UTC
   * for a TIMESTAMP or TIMESTAMP_LTZ (Flink CDC parses it with {@code Instant.parse} in the server
   * time zone UTC; ±infinity as instants beyond PostgreSQL's range), plain digits for a DECIMAL,
   * and the canonical text itself for every STRING.
   */
  static Object connectValue(PgValueKind kind, String text, String column) {
    switch (kind) {
      case DATE:
        return FlinkValues.date(text);
      case TIMESTAMP:
        return FlinkValues.timestamp(text).toInstant().toString();
      case TIMESTAMPTZ:
        return FlinkValues.timestamptz(text).toInstant().toString();
      case NUMERIC:
        if (text.equals("NaN") || text.endsWith("Infinity")) {
          throw new FlinkValues.UnrepresentableValueException(
              String.format(
                  "column %s holds the numeric value %s, which Flink's DECIMAL cannot carry: declare the column numeric"
                      + " without precision upstream (carried as text) or keep %s out of it with a CHECK constraint",
                  column, text, text));
        }
        return text;
      default:
        return text;
    }
  }

  /** The converted column {@code name} of the table Debezium names {@code dataCollection}. */
  private ConvertedColumns.Column column(String dataCollection, String name) {
    ConvertedColumns.Column c = columns.get(key(dataCollection, name));
    if (c != null) {
      return c;
    }
    // Debezium may put the database in front: "db.schema.table".
    for (ConvertedColumns.Column candidate : columns.values()) {
      if (candidate.column().equals(name)
          && dataCollection.endsWith("." + candidate.schema() + "." + candidate.table())) {
        return candidate;
      }
    }
    return null;
  }
}
