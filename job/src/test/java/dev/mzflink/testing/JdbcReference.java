package dev.mzflink.testing;

import dev.mzflink.source.TableLayout;
import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.CanonicalText;
import dev.mzflink.values.FlinkValues;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/**
 * The oracle of the text paths: how mzflink read a JDBC row into Flink's internal row before it had
 * a source of its own (JDBC's getters for plain types, PostgreSQL's text through {@link
 * CanonicalText} and {@link FlinkValues} for the others), value for value as the replication stream
 * gave them then. The COPY and pgoutput decoders must give the same rows.
 */
public final class JdbcReference {
  private JdbcReference() {}

  /** The Flink row of the current row of {@code rs}, whose columns are {@code table}'s. */
  public static GenericRowData read(ResultSet rs, TableLayout table) throws SQLException {
    RowType type = table.rowType;
    GenericRowData row = new GenericRowData(type.getFieldCount());
    for (int i = 0; i < type.getFieldCount(); i++) {
      PgValueKind kind = table.kinds[i];
      if (kind.convertedFromText()) {
        row.setField(
            i,
            converted(
                rs,
                i + 1,
                kind,
                table.elements[i],
                type.getTypeAt(i),
                table.qualifiedName,
                type.getFieldNames().get(i)));
      } else {
        row.setField(
            i,
            value(rs, i + 1, type.getTypeAt(i), table.qualifiedName, type.getFieldNames().get(i)));
      }
    }
    return row;
  }

  /**
   * A value mzflink converts itself: PostgreSQL's text of it, made canonical, then the Flink value,
   * as {@link PgTextConverter} and Flink CDC's converters make it from the replication stream.
   */
  private static Object converted(
      ResultSet rs,
      int column,
      PgValueKind kind,
      PgValueKind element,
      LogicalType type,
      String table,
      String name)
      throws SQLException {
    String text = rs.getString(column);
    if (text == null) {
      return null;
    }
    try {
      return FlinkValues.of(kind, type, CanonicalText.of(kind, element, text));
    } catch (FlinkValues.UnrepresentableValueException e) {
      throw new FlinkValues.UnrepresentableValueException(
          String.format("column %s of %s: %s", name, table, e.getMessage()));
    }
  }

  private static Object value(ResultSet rs, int column, LogicalType type, String table, String name)
      throws SQLException {
    Object value =
        switch (type.getTypeRoot()) {
          case BOOLEAN -> rs.getBoolean(column);
          case SMALLINT -> rs.getShort(column);
          case INTEGER -> rs.getInt(column);
          case BIGINT -> rs.getLong(column);
          case FLOAT -> rs.getFloat(column);
          case DOUBLE -> rs.getDouble(column);
          case DECIMAL -> decimal(rs.getBigDecimal(column), (DecimalType) type, table, name);
          case CHAR, VARCHAR -> {
            String s = rs.getString(column);
            yield s == null ? null : StringData.fromString(s);
          }
          case BINARY, VARBINARY -> rs.getBytes(column);
          case DATE -> {
            LocalDate d = rs.getObject(column, LocalDate.class);
            yield d == null ? null : (int) d.toEpochDay();
          }
          case TIME_WITHOUT_TIME_ZONE -> {
            LocalTime t = rs.getObject(column, LocalTime.class);
            yield t == null ? null : (int) (t.toNanoOfDay() / 1_000_000);
          }
          case TIMESTAMP_WITHOUT_TIME_ZONE -> {
            LocalDateTime t = rs.getObject(column, LocalDateTime.class);
            yield t == null ? null : TimestampData.fromLocalDateTime(t);
          }
          case TIMESTAMP_WITH_LOCAL_TIME_ZONE -> {
            OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
            yield t == null ? null : TimestampData.fromInstant(t.toInstant());
          }
          default -> throw new IllegalStateException("no JDBC reader for " + type + " in " + table);
        };
    return rs.wasNull() ? null : value;
  }

  private static DecimalData decimal(
      BigDecimal value, DecimalType type, String table, String column) {
    if (value == null) {
      return null;
    }
    DecimalData d = DecimalData.fromBigDecimal(value, type.getPrecision(), type.getScale());
    if (d == null) {
      throw new IllegalStateException(
          String.format("%s.%s: %s does not fit %s", table, column, value.toPlainString(), type));
    }
    return d;
  }
}
