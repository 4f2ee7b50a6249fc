package dev.mzflink.sink;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Turns Flink's internal values into PostgreSQL's text input format, so that {@code CAST(text AS
 * upstream_type)} in the results database gives back exactly the upstream value.
 */
public final class PgText {
  private PgText() {}

  /** A field getter that yields the PostgreSQL text of a field, or null for SQL NULL. */
  public static RowData.FieldGetter getter(LogicalType type, int position) {
    RowData.FieldGetter raw = RowData.createFieldGetter(type, position);
    Converter converter = converter(type);
    return row -> {
      Object value = raw.getFieldOrNull(row);
      return value == null ? null : converter.convert(value);
    };
  }

  @FunctionalInterface
  private interface Converter extends java.io.Serializable {
    String convert(Object value);
  }

  private static Converter converter(LogicalType type) {
    switch (type.getTypeRoot()) {
      case BOOLEAN:
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return Object::toString;
      case FLOAT:
        return v -> floatText((Float) v);
      case DOUBLE:
        return v -> doubleText((Double) v);
      case DECIMAL:
        return v -> ((DecimalData) v).toBigDecimal().toPlainString();
      case CHAR:
      case VARCHAR:
        return Object::toString;
      case BINARY:
      case VARBINARY:
        return v -> "\\x" + HexFormat.of().formatHex((byte[]) v);
      case DATE:
        return v -> date(LocalDate.ofEpochDay((Integer) v));
      case TIME_WITHOUT_TIME_ZONE:
        return v -> LocalTime.ofNanoOfDay(((Integer) v) * 1_000_000L).toString();
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        return v -> timestamp(((TimestampData) v).toLocalDateTime());
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return v -> timestampUtc(((TimestampData) v).toInstant());
      default:
        throw new IllegalStateException("no PostgreSQL text form for Flink type " + type);
    }
  }

  static String floatText(float f) {
    if (Float.isNaN(f)) {
      return "NaN";
    }
    if (Float.isInfinite(f)) {
      return f > 0 ? "Infinity" : "-Infinity";
    }
    return Float.toString(f);
  }

  static String doubleText(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    return Double.toString(d);
  }

  /** ISO dates with PostgreSQL's era: year 0 is 1 BC. */
  static String date(LocalDate date) {
    int year = date.getYear();
    String monthDay = String.format("-%02d-%02d", date.getMonthValue(), date.getDayOfMonth());
    if (year <= 0) {
      return String.format("%04d", 1 - year) + monthDay + " BC";
    }
    return String.format("%04d", year) + monthDay;
  }

  static String timestamp(LocalDateTime t) {
    int year = t.getYear();
    String time = t.toLocalTime().toString();
    String monthDay = String.format("-%02d-%02d", t.getMonthValue(), t.getDayOfMonth());
    if (year <= 0) {
      return String.format("%04d", 1 - year) + monthDay + " " + time + " BC";
    }
    return String.format("%04d", year) + monthDay + " " + time;
  }

  static String timestampUtc(Instant instant) {
    LocalDateTime utc = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    String text = timestamp(utc);
    return text.endsWith(" BC") ? text.substring(0, text.length() - 3) + "+00 BC" : text + "+00";
  }
}
