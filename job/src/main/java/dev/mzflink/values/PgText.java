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
    StringBuilder out = new StringBuilder(16);
    int year = date.getYear();
    date(out, year, date.getMonthValue(), date.getDayOfMonth());
    if (year <= 0) {
      out.append(" BC");
    }
    return out.toString();
  }

  /** {@code YYYY-MM-DD HH:MM:SS[.ffffff][ BC]}, as PostgreSQL prints a timestamp. */
  public static String timestamp(LocalDateTime t) {
    StringBuilder out = new StringBuilder(32);
    int year = t.getYear();
    date(out, year, t.getMonthValue(), t.getDayOfMonth());
    out.append(' ');
    time(out, t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
    if (year <= 0) {
      out.append(" BC");
    }
    return out.toString();
  }

  /** {@code HH:MM:SS[.ffffff]} without trailing zeros. */
  public static String time(int hour, int minute, int second, int micros) {
    StringBuilder out = new StringBuilder(15);
    time(out, hour, minute, second, micros);
    return out.toString();
  }

  /**
   * {@code YYYY-MM-DD}, the year of the era (year 0 is 1 BC: written 0001, the caller adds " BC").
   * By hand rather than with {@code String.format}: a results table's dates and timestamps are
   * written for every row, and the formatter's parsing made most of the sink's time.
   */
  private static void date(StringBuilder out, int year, int month, int day) {
    pad(out, year <= 0 ? 1 - year : year, 4);
    out.append('-');
    pad(out, month, 2);
    out.append('-');
    pad(out, day, 2);
  }

  private static void time(StringBuilder out, int hour, int minute, int second, int micros) {
    pad(out, hour, 2);
    out.append(':');
    pad(out, minute, 2);
    out.append(':');
    pad(out, second, 2);
    if (micros == 0) {
      return;
    }
    int digits = 6;
    while (micros % 10 == 0) {
      micros /= 10;
      digits--;
    }
    out.append('.');
    pad(out, micros, digits);
  }

  /** {@code value} (not negative) in at least {@code width} digits, zeros in front. */
  private static void pad(StringBuilder out, int value, int width) {
    for (int limit = 10, i = 1; i < width; i++, limit *= 10) {
      if (value < limit) {
        out.append('0');
      }
    }
    out.append(value);
  }

  /** A timestamp with time zone in UTC: {@code YYYY-MM-DD HH:MM:SS[.ffffff]+00[ BC]}. */
  public static String timestampUtc(Instant instant) {
    LocalDateTime utc = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    String text = timestamp(utc);
    return text.endsWith(" BC") ? text.substring(0, text.length() - 3) + "+00 BC" : text + "+00";
  }
}
