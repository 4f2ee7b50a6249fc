package dev.mzflink.analyze;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.catalog.SqlType.Exactness;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads string literals as values of a type, as PostgreSQL's input functions do, into canonical
 * constants. Formats PostgreSQL reads but mzflink does not (month names, time zone names, special
 * values like 'now') are refused rather than guessed.
 */
final class Literals {
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");
  private static final Pattern DATE = Pattern.compile("([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})");
  private static final Pattern TIMESTAMP =
      Pattern.compile(
          "([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\\.([0-9]+))?)?)?"
              + "\\s*(Z|z|UTC|[+-][0-9]{1,2}(?::?[0-9]{2})?)?");

  private Literals() {}

  /** {@code text} as a constant of {@code target}, or the error PostgreSQL (or mzflink) gives. */
  static Constant read(String text, SqlType target, SourcePosition at) {
    return switch (target.base()) {
      case INT2 -> integer(text, target, at, Short.MIN_VALUE, Short.MAX_VALUE, "smallint");
      case INT4 -> integer(text, target, at, Integer.MIN_VALUE, Integer.MAX_VALUE, "integer");
      case INT8 -> integer(text, target, at, Long.MIN_VALUE, Long.MAX_VALUE, "bigint");
      case NUMERIC -> numeric(text, target, at);
      case FLOAT4, FLOAT8 -> floating(text, target, at);
      case BOOL -> bool(text, at);
      case TEXT, UNKNOWN -> new Constant(Optional.of(text), SqlType.TEXT);
      case VARCHAR -> new Constant(Optional.of(truncate(text, target.declaredLength())), target);
      case BPCHAR ->
          new Constant(
              Optional.of(pad(truncate(text, target.declaredLength()), target.declaredLength())),
              target);
      case DATE -> date(text, at);
      case TIMESTAMP, TIMESTAMPTZ -> timestamp(text, target, at);
      case UUID -> uuid(text, at);
      case BYTEA, JSON, JSONB ->
          throw UserError.at(
              at, String.format("literals of type %s are not supported in views", target.pgName()));
    };
  }

  /** An integer constant written in the query: integer, bigint or numeric by its size. */
  static Constant number(String digits, boolean negative, SourcePosition at) {
    String text = (negative ? "-" : "") + digits;
    BigInteger value = new BigInteger(text);
    if (value.bitLength() < 32) {
      return new Constant(Optional.of(value.toString()), SqlType.INT4);
    }
    if (value.bitLength() < 64) {
      return new Constant(Optional.of(value.toString()), SqlType.INT8);
    }
    return decimal(new BigDecimal(value), at);
  }

  /** A constant with a decimal point or exponent: numeric, with the scale as written. */
  static Constant decimal(String text, boolean negative, SourcePosition at) {
    BigDecimal value = new BigDecimal(text);
    return decimal(negative ? value.negate() : value, at);
  }

  private static Constant decimal(BigDecimal value, SourcePosition at) {
    if (value.scale() < 0) {
      value = value.setScale(0, RoundingMode.UNNECESSARY);
    }
    int scale = value.scale();
    int precision = Math.max(value.precision(), scale + 1);
    if (precision > SqlType.MAX_DECIMAL_PRECISION) {
      throw UserError.at(
              at,
              String.format("numeric constant %s has more than 38 digits", value.toPlainString()))
          .withDetail("Flink's DECIMAL holds at most 38 digits.");
    }
    return new Constant(
        Optional.of(value.toPlainString()), SqlType.numeric(precision, scale, Exactness.EXACT));
  }

  private static Constant integer(
      String text, SqlType target, SourcePosition at, long min, long max, String name) {
    String trimmed = text.strip();
    if (!INTEGER.matcher(trimmed).matches()) {
      throw invalid(at, name, text);
    }
    BigInteger value = new BigInteger(trimmed);
    if (value.compareTo(BigInteger.valueOf(min)) < 0
        || value.compareTo(BigInteger.valueOf(max)) > 0) {
      throw UserError.at(at, String.format("value \"%s\" is out of range for type %s", text, name));
    }
    return new Constant(Optional.of(value.toString()), target.withoutTypmod());
  }

  private static Constant numeric(String text, SqlType target, SourcePosition at) {
    String trimmed = text.strip();
    String lower = trimmed.toLowerCase(Locale.ROOT);
    if (lower.equals("nan") || lower.contains("inf")) {
      throw UserError.at(at, String.format("numeric value \"%s\" is not supported in views", text))
          .withDetail("Flink's DECIMAL has no NaN or infinity.");
    }
    if (!DECIMAL.matcher(trimmed).matches()) {
      throw invalid(at, "numeric", text);
    }
    BigDecimal value = new BigDecimal(trimmed);
    if (value.scale() < 0) {
      value = value.setScale(0, RoundingMode.UNNECESSARY);
    }
    if (target.declaredPrecision().isPresent()) {
      int p = target.declaredPrecision().get();
      int s = target.declaredScale().get();
      value = value.setScale(s, RoundingMode.HALF_UP);
      if (value.precision() - value.scale() > p - s && value.signum() != 0) {
        throw UserError.at(at, "numeric field overflow")
            .withDetail(
                String.format(
                    "A field with precision %d, scale %d must round to an absolute value less than 10^%d.",
                    p, s, p - s));
      }
      return new Constant(Optional.of(value.toPlainString()), target);
    }
    return decimal(value, at);
  }

  private static Constant floating(String text, SqlType target, SourcePosition at) {
    String trimmed = text.strip();
    String lower = trimmed.toLowerCase(Locale.ROOT);
    String value;
    switch (lower) {
      case "nan" -> value = "NaN";
      case "infinity", "+infinity", "inf", "+inf" -> value = "Infinity";
      case "-infinity", "-inf" -> value = "-Infinity";
      default -> {
        if (!DECIMAL.matcher(trimmed).matches()) {
          throw invalid(at, target.pgName(), text);
        }
        value =
            target.base() == Base.FLOAT4
                ? Float.toString(Float.parseFloat(trimmed))
                : Double.toString(Double.parseDouble(trimmed));
      }
    }
    return new Constant(Optional.of(value), target.withoutTypmod());
  }

  private static Constant bool(String text, SourcePosition at) {
    String v = text.strip().toLowerCase(Locale.ROOT);
    Boolean result = null;
    if (v.equals("1")
        || v.equals("on")
        || (!v.isEmpty() && ("true".startsWith(v) || "yes".startsWith(v)))) {
      result = true;
    } else if (v.equals("0")
        || (v.length() >= 2 && "off".startsWith(v))
        || (!v.isEmpty() && ("false".startsWith(v) || "no".startsWith(v)))) {
      result = false;
    }
    if (result == null) {
      throw invalid(at, "boolean", text);
    }
    return new Constant(Optional.of(result.toString()), SqlType.BOOL);
  }

  private static String truncate(String text, Optional<Integer> length) {
    if (length.isEmpty() || text.codePointCount(0, text.length()) <= length.get()) {
      return text;
    }
    return text.substring(0, text.offsetByCodePoints(0, length.get()));
  }

  private static String pad(String text, Optional<Integer> length) {
    if (length.isEmpty()) {
      return text;
    }
    int missing = length.get() - text.codePointCount(0, text.length());
    return missing > 0 ? text + " ".repeat(missing) : text;
  }

  private static Constant date(String text, SourcePosition at) {
    String trimmed = text.strip();
    Matcher m = DATE.matcher(trimmed);
    if (!m.matches()) {
      throw unsupportedFormat(at, "date", text, "'YYYY-MM-DD'");
    }
    try {
      LocalDate d =
          LocalDate.of(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)));
      return new Constant(Optional.of(d.toString()), SqlType.DATE);
    } catch (DateTimeException e) {
      throw UserError.at(at, String.format("date/time field value out of range: \"%s\"", text));
    }
  }

  private static Constant timestamp(String text, SqlType target, SourcePosition at) {
    String trimmed = text.strip();
    Matcher m = TIMESTAMP.matcher(trimmed);
    String typeName = target.base() == Base.TIMESTAMPTZ ? "timestamp with time zone" : "timestamp";
    if (!m.matches()) {
      throw unsupportedFormat(at, typeName, text, "'YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]'");
    }
    String fraction = m.group(7) == null ? "" : m.group(7);
    if (fraction.length() > target.precision()) {
      throw UserError.at(
              at,
              String.format(
                  "%s literal \"%s\" has more fractional digits than the precision %d",
                  typeName, text, target.precision()))
          .withHint(
              "Write at most " + target.precision() + " digits after the seconds' decimal point.");
    }
    LocalDateTime local;
    try {
      int nanos =
          fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "000000000").substring(0, 9));
      LocalTime time =
          m.group(4) == null
              ? LocalTime.MIDNIGHT
              : LocalTime.of(
                  Integer.parseInt(m.group(4)),
                  Integer.parseInt(m.group(5)),
                  m.group(6) == null ? 0 : Integer.parseInt(m.group(6)),
                  nanos);
      local =
          LocalDateTime.of(
              LocalDate.of(
                  Integer.parseInt(m.group(1)),
                  Integer.parseInt(m.group(2)),
                  Integer.parseInt(m.group(3))),
              time);
    } catch (DateTimeException e) {
      throw UserError.at(at, String.format("date/time field value out of range: \"%s\"", text));
    }
    String zone = m.group(8);
    if (target.base() == Base.TIMESTAMPTZ
        && zone != null
        && !zone.equalsIgnoreCase("z")
        && !zone.equals("UTC")) {
      // To UTC: mzflink evaluates timestamptz in UTC.
      ZoneOffset offset = offset(zone, at, text);
      local = local.atOffset(offset).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
    }
    // timestamp without time zone ignores a zone, as PostgreSQL does.
    return new Constant(Optional.of(canonical(local)), target);
  }

  private static ZoneOffset offset(String zone, SourcePosition at, String text) {
    String digits = zone.substring(1).replace(":", "");
    int hours;
    int minutes = 0;
    if (digits.length() <= 2) {
      hours = Integer.parseInt(digits);
    } else {
      hours = Integer.parseInt(digits.substring(0, digits.length() - 2));
      minutes = Integer.parseInt(digits.substring(digits.length() - 2));
    }
    try {
      int sign = zone.charAt(0) == '-' ? -1 : 1;
      return ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
    } catch (DateTimeException e) {
      throw UserError.at(at, String.format("time zone displacement out of range: \"%s\"", text));
    }
  }

  /** {@code YYYY-MM-DD HH:MM:SS.ffffff}. */
  static String canonical(LocalDateTime t) {
    return String.format(
        "%04d-%02d-%02d %02d:%02d:%02d.%06d",
        t.getYear(),
        t.getMonthValue(),
        t.getDayOfMonth(),
        t.getHour(),
        t.getMinute(),
        t.getSecond(),
        t.getNano() / 1000);
  }

  private static Constant uuid(String text, SourcePosition at) {
    try {
      String trimmed = text.strip();
      if (trimmed.length() != 36) {
        throw new IllegalArgumentException();
      }
      return new Constant(
          Optional.of(UUID.fromString(trimmed).toString()),
          new SqlType(Base.UUID, -1, -1, 0, Exactness.EXACT));
    } catch (IllegalArgumentException e) {
      throw invalid(at, "uuid", text);
    }
  }

  private static UserError invalid(SourcePosition at, String type, String text) {
    return UserError.at(at, String.format("invalid input syntax for type %s: \"%s\"", type, text));
  }

  private static UserError unsupportedFormat(
      SourcePosition at, String type, String text, String format) {
    return UserError.at(at, String.format("%s literal \"%s\" is not supported", type, text))
        .withDetail(
            "mzflink reads "
                + type
                + " literals in ISO format only, and no special values (now, today, infinity).")
        .withHint("Write it as " + format + ".");
  }
}
