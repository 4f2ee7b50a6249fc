package dev.mzflink.values;

import dev.mzflink.translate.PgValueKind;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Flink's internal value for the canonical text of a value ({@link CanonicalText}); the inverse of
 * {@link PgText}. Values a Flink type cannot hold are refused with {@link
 * UnrepresentableValueException}, never turned into NULL or rounded.
 */
public final class FlinkValues {
  private FlinkValues() {}

  /** A value that the column's Flink type cannot carry (NaN in a DECIMAL column). */
  public static final class UnrepresentableValueException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnrepresentableValueException(String message) {
      super(message);
    }
  }

  /** The Flink value of type {@code type} for the canonical text of a {@code kind} value. */
  public static Object of(PgValueKind kind, LogicalType type, String text) {
    switch (kind) {
      case NUMERIC:
        return decimal((DecimalType) type, text);
      case DATE:
        return date(text);
      case TIMESTAMP:
        return timestamp(text);
      case TIMESTAMPTZ:
        return timestamptz(text);
      case NUMERIC_TEXT:
      case TIME:
      case TIMETZ:
      case INTERVAL:
      case ARRAY:
      case TEXT:
        return StringData.fromString(text);
      default:
        throw new IllegalStateException("values of kind " + kind + " are not converted from text");
    }
  }

  static DecimalData decimal(DecimalType type, String text) {
    BigDecimal value;
    try {
      value = new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new UnrepresentableValueException(
          String.format(
              "the numeric value %s cannot be carried as %s", text, type.asSummaryString()));
    }
    DecimalData d = DecimalData.fromBigDecimal(value, type.getPrecision(), type.getScale());
    if (d == null || d.toBigDecimal().compareTo(value) != 0) {
      throw new UnrepresentableValueException(
          String.format("the numeric value %s does not fit %s", text, type.asSummaryString()));
    }
    return d;
  }

  public static int date(String text) {
    switch (text) {
      case "infinity":
        return PgText.DATE_INFINITY;
      case "-infinity":
        return PgText.DATE_MINUS_INFINITY;
      default:
        return Math.toIntExact(CanonicalText.parseDate(text).toEpochDay());
    }
  }

  public static TimestampData timestamp(String text) {
    switch (text) {
      case "infinity":
        return TimestampData.fromEpochMillis(PgText.TIMESTAMP_INFINITY_MILLIS);
      case "-infinity":
        return TimestampData.fromEpochMillis(PgText.TIMESTAMP_MINUS_INFINITY_MILLIS);
      default:
        return TimestampData.fromLocalDateTime(CanonicalText.parseTimestamp(text).local());
    }
  }

  public static TimestampData timestamptz(String text) {
    switch (text) {
      case "infinity":
        return TimestampData.fromEpochMillis(PgText.TIMESTAMP_INFINITY_MILLIS);
      case "-infinity":
        return TimestampData.fromEpochMillis(PgText.TIMESTAMP_MINUS_INFINITY_MILLIS);
      default:
        CanonicalText.Parsed p = CanonicalText.parseTimestamp(text);
        LocalDateTime local = p.local();
        int offset = p.offsetSeconds() == null ? 0 : p.offsetSeconds();
        return TimestampData.fromInstant(local.toInstant(ZoneOffset.ofTotalSeconds(offset)));
    }
  }
}
