package dev.mzflink.values;

import static java.util.Objects.requireNonNull;

import dev.mzflink.translate.PgValueKind;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Optional;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Turns the UTF-8 text PostgreSQL prints for a value of one column into Flink's internal value for
 * the column's Flink type, straight from bytes: the same value {@code mzflink run} makes of that
 * text today ({@link CanonicalText} then {@link FlinkValues} for the kinds {@linkplain
 * PgValueKind#convertedFromText() converted from text}, and what JDBC's getters give for the
 * others).
 *
 * <p>The text is what a session pinned to {@code DateStyle ISO}, {@code IntervalStyle postgres},
 * {@code TimeZone UTC}, {@code extra_float_digits 3} and {@code bytea_output hex} prints (COPY text
 * after unescaping, pgoutput's text tuples). Common values take fast paths that parse bytes; every
 * other value goes through CanonicalText and FlinkValues, so the result is always theirs.
 *
 * <p>Values a Flink type cannot carry (numeric NaN or ±Infinity, or a value too large, in a
 * DECIMAL) throw {@link FlinkValues.UnrepresentableValueException}; text that is not PostgreSQL's
 * output for the kind throws {@link IllegalArgumentException}. Callers add the column's name.
 */
public final class PgTextDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Powers of ten that fit a long. */
  private static final long[] POWERS_OF_TEN = new long[19];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
    }
  }

  private static final long MILLIS_PER_DAY = 86_400_000L;

  private final PgValueKind kind;
  private final PgValueKind element;
  private final LogicalType type;
  private final int precision;
  private final int scale;

  private PgTextDecoder(PgValueKind kind, PgValueKind element, LogicalType type) {
    this.kind = kind;
    this.element = element;
    this.type = type;
    if (type instanceof DecimalType d) {
      this.precision = d.getPrecision();
      this.scale = d.getScale();
    } else {
      this.precision = 0;
      this.scale = 0;
    }
  }

  /**
   * The decoder of a column whose values are carried as {@code kind} (arrays: of {@code element})
   * in Flink type {@code type}.
   *
   * @throws IllegalArgumentException when {@code type} is not the Flink type that carries {@code
   *     kind} ({@link dev.mzflink.translate.FlinkTypes}), or an element kind is given for a kind
   *     other than ARRAY or missing for ARRAY
   */
  public static PgTextDecoder of(
      PgValueKind kind, Optional<PgValueKind> element, LogicalType type) {
    requireNonNull(kind, "kind is null");
    requireNonNull(element, "element is null");
    requireNonNull(type, "type is null");
    if (element.isPresent() != (kind == PgValueKind.ARRAY)) {
      throw new IllegalArgumentException("only arrays have an element kind");
    }
    if (!carries(kind, type.getTypeRoot())) {
      throw new IllegalArgumentException(
          String.format("values of kind %s are not carried as %s", kind, type.asSummaryString()));
    }
    return new PgTextDecoder(kind, element.orElse(null), type);
  }

  private static boolean carries(PgValueKind kind, LogicalTypeRoot root) {
    return switch (kind) {
      case BOOLEAN -> root == LogicalTypeRoot.BOOLEAN;
      case INT2 -> root == LogicalTypeRoot.SMALLINT;
      case INT4 -> root == LogicalTypeRoot.INTEGER;
      case INT8, OID -> root == LogicalTypeRoot.BIGINT;
      case FLOAT4 -> root == LogicalTypeRoot.FLOAT;
      case FLOAT8 -> root == LogicalTypeRoot.DOUBLE;
      case NUMERIC -> root == LogicalTypeRoot.DECIMAL;
      case NUMERIC_TEXT, TEXT, TIME, TIMETZ, INTERVAL, ARRAY ->
          root == LogicalTypeRoot.VARCHAR || root == LogicalTypeRoot.CHAR;
      case BYTEA -> root == LogicalTypeRoot.VARBINARY || root == LogicalTypeRoot.BINARY;
      case DATE -> root == LogicalTypeRoot.DATE;
      case TIMESTAMP -> root == LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE;
      case TIMESTAMPTZ -> root == LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE;
    };
  }

  public PgValueKind kind() {
    return kind;
  }

  /** An array's element kind; empty for other kinds. */
  public Optional<PgValueKind> element() {
    return Optional.ofNullable(element);
  }

  public LogicalType type() {
    return type;
  }

  /** The Flink value for the UTF-8 text {@code bytes[offset, offset + length)}. */
  public Object decode(byte[] bytes, int offset, int length) {
    switch (kind) {
      case BOOLEAN:
        return bool(bytes, offset, length);
      case INT2:
        return (short) integer(bytes, offset, length, Short.MIN_VALUE, Short.MAX_VALUE);
      case INT4:
        return (int) integer(bytes, offset, length, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case INT8:
        return integer(bytes, offset, length, Long.MIN_VALUE, Long.MAX_VALUE);
      case OID:
        return integer(bytes, offset, length, 0, 0xFFFF_FFFFL);
      case FLOAT4:
        return Float.parseFloat(ascii(bytes, offset, length).trim());
      case FLOAT8:
        return Double.parseDouble(ascii(bytes, offset, length).trim());
      case NUMERIC:
        return decimal(bytes, offset, length);
      case NUMERIC_TEXT:
        return isCanonicalNumeric(bytes, offset, length)
            ? string(bytes, offset, length)
            : converted(bytes, offset, length);
      case TEXT:
        return string(bytes, offset, length);
      case BYTEA:
        return bytea(bytes, offset, length);
      case DATE:
        return date(bytes, offset, length);
      case TIME:
        return isCanonicalTime(bytes, offset, length)
            ? string(bytes, offset, length)
            : converted(bytes, offset, length);
      case TIMESTAMP:
      case TIMESTAMPTZ:
        return timestamp(bytes, offset, length);
      case TIMETZ:
      case INTERVAL:
      case ARRAY:
        return converted(bytes, offset, length);
    }
    throw new IllegalStateException("unknown kind " + kind);
  }

  /** The Flink value for {@code text} (tests and one-off values; rows use the bytes). */
  public Object decode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return decode(bytes, 0, bytes.length);
  }

  /** Through CanonicalText and FlinkValues, as every value of the kind was converted until now. */
  private Object converted(byte[] bytes, int offset, int length) {
    String text = new String(bytes, offset, length, StandardCharsets.UTF_8);
    return FlinkValues.of(kind, type, CanonicalText.of(kind, element, text));
  }

  private static String ascii(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
  }

  private static StringData string(byte[] bytes, int offset, int length) {
    return StringData.fromBytes(Arrays.copyOfRange(bytes, offset, offset + length));
  }

  // bool

  private static Boolean bool(byte[] bytes, int offset, int length) {
    if (length == 1) {
      if (bytes[offset] == 't') {
        return Boolean.TRUE;
      }
      if (bytes[offset] == 'f') {
        return Boolean.FALSE;
      }
    }
    return CanonicalText.bool(ascii(bytes, offset, length)).equals("t");
  }

  // integers

  /** A decimal integer within {@code [min, max]}, as PostgreSQL prints int2, int4, int8, oid. */
  private static long integer(byte[] bytes, int offset, int length, long min, long max) {
    int i = offset;
    int end = offset + length;
    boolean negative = false;
    if (i < end && (bytes[i] == '-' || bytes[i] == '+')) {
      negative = bytes[i] == '-';
      i++;
    }
    if (i == end) {
      throw notAn(bytes, offset, length, min, max);
    }
    // Accumulated negatively, so that Long.MIN_VALUE fits.
    long value = 0;
    for (; i < end; i++) {
      int digit = bytes[i] - '0';
      if (digit < 0 || digit > 9 || value < Long.MIN_VALUE / 10) {
        throw notAn(bytes, offset, length, min, max);
      }
      value *= 10;
      if (value < Long.MIN_VALUE + digit) {
        throw notAn(bytes, offset, length, min, max);
      }
      value -= digit;
    }
    if (!negative) {
      if (value == Long.MIN_VALUE) {
        throw notAn(bytes, offset, length, min, max);
      }
      value = -value;
    }
    if (value < min || value > max) {
      throw notAn(bytes, offset, length, min, max);
    }
    return value;
  }

  private static IllegalArgumentException notAn(
      byte[] bytes, int offset, int length, long min, long max) {
    return new IllegalArgumentException(
        String.format(
            "not an integer from %d to %d: %s",
            min, max, new String(bytes, offset, length, StandardCharsets.UTF_8)));
  }

  // numeric

  private Object decimal(byte[] bytes, int offset, int length) {
    if (precision <= 18) {
      DecimalData d = compactDecimal(bytes, offset, length);
      if (d != null) {
        return d;
      }
    }
    String text = ascii(bytes, offset, length);
    return FlinkValues.decimal((DecimalType) type, CanonicalText.numeric(text));
  }

  /**
   * {@code -?D+(.D+)?} with at most the column's scale of fraction digits and room for its integer
   * digits, as an unscaled long; null for every other text (the general path decides).
   */
  private DecimalData compactDecimal(byte[] bytes, int offset, int length) {
    int i = offset;
    int end = offset + length;
    boolean negative = i < end && bytes[i] == '-';
    if (negative) {
      i++;
    }
    long unscaled = 0;
    int integerDigits = 0;
    while (i < end && isDigit(bytes[i])) {
      unscaled = unscaled * 10 + (bytes[i++] - '0');
      if (++integerDigits + scale > precision) {
        return null;
      }
    }
    if (integerDigits == 0) {
      return null;
    }
    int fractionDigits = 0;
    if (i < end && bytes[i] == '.') {
      i++;
      while (i < end && isDigit(bytes[i])) {
        if (fractionDigits == scale) {
          return null;
        }
        unscaled = unscaled * 10 + (bytes[i++] - '0');
        fractionDigits++;
      }
      if (fractionDigits == 0) {
        return null;
      }
    }
    if (i != end) {
      return null;
    }
    unscaled *= POWERS_OF_TEN[scale - fractionDigits];
    return DecimalData.fromUnscaledLong(negative ? -unscaled : unscaled, precision, scale);
  }

  /**
   * Whether the text is a numeric as CanonicalText spells it: {@code NaN}, {@code Infinity}, {@code
   * -Infinity}, or plain digits without leading zeros and without a negative zero.
   */
  private static boolean isCanonicalNumeric(byte[] bytes, int offset, int length) {
    int i = offset;
    int end = offset + length;
    if (equals(bytes, offset, length, "NaN")
        || equals(bytes, offset, length, "Infinity")
        || equals(bytes, offset, length, "-Infinity")) {
      return true;
    }
    boolean negative = i < end && bytes[i] == '-';
    if (negative) {
      i++;
    }
    int integerStart = i;
    boolean nonZero = false;
    while (i < end && isDigit(bytes[i])) {
      nonZero |= bytes[i] != '0';
      i++;
    }
    int integerDigits = i - integerStart;
    if (integerDigits == 0 || (integerDigits > 1 && bytes[integerStart] == '0')) {
      return false;
    }
    if (i < end && bytes[i] == '.') {
      i++;
      int fractionStart = i;
      while (i < end && isDigit(bytes[i])) {
        nonZero |= bytes[i] != '0';
        i++;
      }
      if (i == fractionStart) {
        return false;
      }
    }
    return i == end && (nonZero || !negative);
  }

  private static boolean equals(byte[] bytes, int offset, int length, String ascii) {
    if (length != ascii.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (bytes[offset + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  // bytea

  /** bytea's hex format {@code \x0a1b}, or its escape format. */
  private static byte[] bytea(byte[] bytes, int offset, int length) {
    if (length >= 2 && bytes[offset] == '\\' && bytes[offset + 1] == 'x') {
      int digits = length - 2;
      if (digits % 2 != 0) {
        throw notBytea(bytes, offset, length);
      }
      byte[] out = new byte[digits / 2];
      for (int i = 0, at = offset + 2; i < out.length; i++, at += 2) {
        int high = hexValue(bytes[at]);
        int low = hexValue(bytes[at + 1]);
        if (high < 0 || low < 0) {
          throw notBytea(bytes, offset, length);
        }
        out[i] = (byte) (high << 4 | low);
      }
      return out;
    }
    byte[] out = new byte[length];
    int n = 0;
    int end = offset + length;
    for (int i = offset; i < end; ) {
      byte b = bytes[i];
      if (b != '\\') {
        out[n++] = b;
        i++;
      } else if (i + 1 < end && bytes[i + 1] == '\\') {
        out[n++] = '\\';
        i += 2;
      } else if (i + 3 < end
          && isOctal(bytes[i + 1])
          && isOctal(bytes[i + 2])
          && isOctal(bytes[i + 3])) {
        out[n++] =
            (byte) ((bytes[i + 1] - '0') << 6 | (bytes[i + 2] - '0') << 3 | bytes[i + 3] - '0');
        i += 4;
      } else {
        throw notBytea(bytes, offset, length);
      }
    }
    return Arrays.copyOf(out, n);
  }

  private static boolean isOctal(byte b) {
    return b >= '0' && b <= '7';
  }

  private static int hexValue(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static IllegalArgumentException notBytea(byte[] bytes, int offset, int length) {
    return new IllegalArgumentException(
        "not a PostgreSQL bytea: " + new String(bytes, offset, length, StandardCharsets.UTF_8));
  }

  // date and time

  private Object date(byte[] bytes, int offset, int length) {
    if (equals(bytes, offset, length, "infinity")) {
      return PgText.DATE_INFINITY;
    }
    if (equals(bytes, offset, length, "-infinity")) {
      return PgText.DATE_MINUS_INFINITY;
    }
    DateTimeText t = DateTimeText.parse(bytes, offset, length, false, false);
    if (t == null) {
      return converted(bytes, offset, length);
    }
    return Math.toIntExact(t.epochDay());
  }

  private Object timestamp(byte[] bytes, int offset, int length) {
    if (equals(bytes, offset, length, "infinity")) {
      return TimestampData.fromEpochMillis(PgText.TIMESTAMP_INFINITY_MILLIS);
    }
    if (equals(bytes, offset, length, "-infinity")) {
      return TimestampData.fromEpochMillis(PgText.TIMESTAMP_MINUS_INFINITY_MILLIS);
    }
    boolean withZone = kind == PgValueKind.TIMESTAMPTZ;
    DateTimeText t = DateTimeText.parse(bytes, offset, length, true, withZone);
    if (t == null) {
      return converted(bytes, offset, length);
    }
    // As TimestampData.fromLocalDateTime and fromInstant count: milliseconds, then nanoseconds.
    long seconds = t.secondOfDay - t.offsetSeconds;
    long millis = t.epochDay() * MILLIS_PER_DAY + seconds * 1000 + t.micros / 1000;
    return TimestampData.fromEpochMillis(millis, (t.micros % 1000) * 1000);
  }

  /**
   * Whether the text is a time as CanonicalText spells it: {@code HH:MM:SS}, then a fraction of 1
   * to 6 digits that does not end in zero.
   */
  private static boolean isCanonicalTime(byte[] bytes, int offset, int length) {
    if (length < 8
        || length == 9
        || length > 15
        || bytes[offset + 2] != ':'
        || bytes[offset + 5] != ':') {
      return false;
    }
    for (int i = 0; i < 8; i++) {
      if (i != 2 && i != 5 && !isDigit(bytes[offset + i])) {
        return false;
      }
    }
    if (length == 8) {
      return true;
    }
    if (bytes[offset + 8] != '.' || bytes[offset + length - 1] == '0') {
      return false;
    }
    for (int i = offset + 9; i < offset + length; i++) {
      if (!isDigit(bytes[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * A date or timestamp in PostgreSQL's ISO output: {@code YYYY-MM-DD}, then for timestamps {@code
   * HH:MM:SS[.ffffff]} and with time zone {@code +HH[:MM[:SS]]}, then {@code BC} for years before
   * 1. {@link #parse} gives null for any other text, which the general path then reads or refuses.
   */
  private static final class DateTimeText {
    int year;
    int month;
    int day;
    int secondOfDay;
    int micros;
    int offsetSeconds;

    long epochDay() {
      return LocalDate.of(year, month, day).toEpochDay();
    }

    static DateTimeText parse(
        byte[] b, int offset, int length, boolean withTime, boolean withZone) {
      int end = offset + length;
      int i = offset;
      int yearStart = i;
      int year = 0;
      while (i < end && isDigit(b[i])) {
        year = year * 10 + (b[i++] - '0');
        if (i - yearStart > 9) {
          return null;
        }
      }
      if (i - yearStart < 4 || i + 6 > end || b[i] != '-' || b[i + 3] != '-') {
        return null;
      }
      int month = twoDigits(b, i + 1);
      int day = twoDigits(b, i + 4);
      i += 6;
      if (month < 1 || month > 12 || day < 1 || day > 31) {
        return null;
      }
      DateTimeText t = new DateTimeText();
      t.month = month;
      t.day = day;
      if (withTime) {
        if (i + 9 > end || b[i] != ' ' || b[i + 3] != ':' || b[i + 6] != ':') {
          return null;
        }
        int hour = twoDigits(b, i + 1);
        int minute = twoDigits(b, i + 4);
        int second = twoDigits(b, i + 7);
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
          return null;
        }
        i += 9;
        t.secondOfDay = hour * 3600 + minute * 60 + second;
        if (i < end && b[i] == '.') {
          int start = ++i;
          int micros = 0;
          while (i < end && isDigit(b[i])) {
            micros = micros * 10 + (b[i++] - '0');
          }
          int digits = i - start;
          if (digits < 1 || digits > 6) {
            return null;
          }
          t.micros = (int) (micros * POWERS_OF_TEN[6 - digits]);
        }
        if (withZone) {
          if (i + 3 > end || (b[i] != '+' && b[i] != '-')) {
            return null;
          }
          int sign = b[i] == '-' ? -1 : 1;
          int hours = twoDigits(b, i + 1);
          if (hours < 0) {
            return null;
          }
          i += 3;
          int seconds = hours * 3600;
          if (i + 3 <= end && b[i] == ':') {
            int minutes = twoDigits(b, i + 1);
            if (minutes < 0) {
              return null;
            }
            seconds += minutes * 60;
            i += 3;
            if (i + 3 <= end && b[i] == ':') {
              int secs = twoDigits(b, i + 1);
              if (secs < 0) {
                return null;
              }
              seconds += secs;
              i += 3;
            }
          }
          t.offsetSeconds = sign * seconds;
        }
      }
      boolean bc = false;
      if (i + 3 == end && b[i] == ' ' && b[i + 1] == 'B' && b[i + 2] == 'C') {
        bc = true;
        i += 3;
      }
      if (i != end) {
        return null;
      }
      t.year = bc ? 1 - year : year;
      if (day > LocalDate.of(t.year, month, 1).lengthOfMonth()) {
        return null;
      }
      return t;
    }

    private static int twoDigits(byte[] b, int at) {
      int high = b[at] - '0';
      int low = b[at + 1] - '0';
      if (high < 0 || high > 9 || low < 0 || low > 9) {
        return -1;
      }
      return high * 10 + low;
    }
  }
}
