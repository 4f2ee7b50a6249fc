package dev.mzflink.values;

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
  /**
   * The Flink DATE (days since 1970-01-01) that stands for PostgreSQL's {@code infinity}: past
   * PostgreSQL's last date (5874897-12-31), so it sorts after every date.
   */
  public static final int DATE_INFINITY = Integer.MAX_VALUE;

  /** The Flink DATE that stands for {@code -infinity}: before PostgreSQL's first date. */
  public static final int DATE_MINUS_INFINITY = Integer.MIN_VALUE;

  /**
   * The epoch milliseconds of the Flink TIMESTAMP and TIMESTAMP_LTZ that stand for {@code
   * infinity}: midnight of {@link #DATE_INFINITY}, far past PostgreSQL's last timestamp (294276
   * AD).
   */
  public static final long TIMESTAMP_INFINITY_MILLIS = DATE_INFINITY * 86_400_000L;

  /**
   * The epoch milliseconds that stand for {@code -infinity}: midnight of {@link
   * #DATE_MINUS_INFINITY}.
   */
  public static final long TIMESTAMP_MINUS_INFINITY_MILLIS = DATE_MINUS_INFINITY * 86_400_000L;

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
        return v -> dateText((Integer) v);
      case TIME_WITHOUT_TIME_ZONE:
        return v -> LocalTime.ofNanoOfDay(((Integer) v) * 1_000_000L).toString();
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        return v ->
            infinity((TimestampData) v)
                .orElseGet(() -> timestamp(((TimestampData) v).toLocalDateTime()));
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return v ->
            infinity((TimestampData) v)
                .orElseGet(() -> timestampUtc(((TimestampData) v).toInstant()));
      default:
        throw new IllegalStateException("no PostgreSQL text form for Flink type " + type);
    }
  }

  public static String floatText(float f) {
    if (Float.isNaN(f)) {
      return "NaN";
    }
    if (Float.isInfinite(f)) {
      return f > 0 ? "Infinity" : "-Infinity";
    }
    return Float.toString(f);
  }

  public static String doubleText(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    return Double.toString(d);
  }

  static String dateText(int epochDay) {
    if (epochDay == DATE_INFINITY) {
      return "infinity";
    }
    if (epochDay == DATE_MINUS_INFINITY) {
      return "-infinity";
    }
    return date(LocalDate.ofEpochDay(epochDay));
  }

  private static java.util.Optional<String> infinity(TimestampData t) {
    if (t.getMillisecond() == TIMESTAMP_INFINITY_MILLIS && t.getNanoOfMillisecond() == 0) {
      return java.util.Optional.of("infinity");
    }
    if (t.getMillisecond() == TIMESTAMP_MINUS_INFINITY_MILLIS && t.getNanoOfMillisecond() == 0) {
      return java.util.Optional.of("-infinity");
    }
    return java.util.Optional.empty();
  }

  /** ISO dates with PostgreSQL's era: year 0 is 1 BC. */
  public static String date(LocalDate date) {
    int year = date.getYear();
    String monthDay = String.format("-%02d-%02d", date.getMonthValue(), date.getDayOfMonth());
    if (year <= 0) {
      return String.format("%04d", 1 - year) + monthDay + " BC";
    }
    return String.format("%04d", year) + monthDay;
  }

  /** {@code YYYY-MM-DD HH:MM:SS[.ffffff][ BC]}, as PostgreSQL prints a timestamp. */
  public static String timestamp(LocalDateTime t) {
    int year = t.getYear();
    String time = time(t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
    String monthDay = String.format("-%02d-%02d", t.getMonthValue(), t.getDayOfMonth());
    if (year <= 0) {
      return String.format("%04d", 1 - year) + monthDay + " " + time + " BC";
    }
    return String.format("%04d", year) + monthDay + " " + time;
  }

  /** {@code HH:MM:SS[.ffffff]} without trailing zeros. */
  public static String time(int hour, int minute, int second, int micros) {
    String text = String.format("%02d:%02d:%02d", hour, minute, second);
    if (micros == 0) {
      return text;
    }
    String fraction = String.format("%06d", micros);
    int end = fraction.length();
    while (fraction.charAt(end - 1) == '0') {
      end--;
    }
    return text + "." + fraction.substring(0, end);
  }

  /** A timestamp with time zone in UTC: {@code YYYY-MM-DD HH:MM:SS[.ffffff]+00[ BC]}. */
  public static String timestampUtc(Instant instant) {
    LocalDateTime utc = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    String text = timestamp(utc);
    return text.endsWith(" BC") ? text.substring(0, text.length() - 3) + "+00 BC" : text + "+00";
  }
}
