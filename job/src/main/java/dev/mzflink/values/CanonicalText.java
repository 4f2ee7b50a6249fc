package dev.mzflink.values;

import dev.mzflink.translate.PgValueKind;
import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.data.SpecialValueDecimal;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGStatement;
import org.postgresql.util.PGInterval;

/**
 * PostgreSQL's text of a value, in one canonical spelling, from whatever carries it: the text
 * PostgreSQL printed (JDBC {@code getString}, pgoutput), or the Java object JDBC's {@code
 * getObject} or Debezium made of it. Every path that reads a value goes through here, so the same
 * upstream value always becomes the same text, and from it the same Flink value ({@link
 * FlinkValues}): a row read by mzflink's locked snapshot equals the WAL's image of it.
 *
 * <p>Canonical spellings: numeric as plain digits with PostgreSQL's scale ({@code 1.50}), {@code
 * NaN}, {@code Infinity}, {@code -Infinity}; dates {@code YYYY-MM-DD[ BC]}; time {@code
 * HH:MM:SS[.ffffff]} without trailing zeros; timestamps {@code YYYY-MM-DD HH:MM:SS[.ffffff][ BC]},
 * with time zone in UTC ({@code +00}); {@code infinity} and {@code -infinity}; intervals in
 * PostgreSQL's default output style; arrays in PostgreSQL's array syntax with every element
 * canonical.
 */
public final class CanonicalText {
  private CanonicalText() {}

  /** The canonical text of a non-null {@code raw} value of {@code kind}. */
  public static String of(PgValueKind kind, PgValueKind element, Object raw) {
    switch (kind) {
      case NUMERIC:
      case NUMERIC_TEXT:
        return numeric(raw);
      case DATE:
        return date(raw);
      case TIME:
        return time(raw);
      case TIMETZ:
        return timetz(raw);
      case TIMESTAMP:
        return timestamp(raw);
      case TIMESTAMPTZ:
        return timestamptz(raw);
      case INTERVAL:
        return interval(raw);
      case ARRAY:
        return array(element, raw.toString());
      case BOOLEAN:
        return bool(raw.toString());
      case INT2:
      case INT4:
      case INT8:
      case OID:
        return Long.toString(Long.parseLong(raw.toString().trim()));
      case FLOAT4:
        return PgText.floatText(Float.parseFloat(raw.toString().trim()));
      case FLOAT8:
        return PgText.doubleText(Double.parseDouble(raw.toString().trim()));
      case TEXT:
      case BYTEA:
        return raw.toString();
    }
    throw new IllegalStateException("unknown kind " + kind);
  }

  // numeric

  static String numeric(Object raw) {
    if (raw instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (raw instanceof SpecialValueDecimal s) {
      if (s.getDecimalValue().isPresent()) {
        return s.getDecimalValue().get().toPlainString();
      }
      return switch (s.toString().toUpperCase(Locale.ROOT)) {
        case "NAN" -> "NaN";
        case "POSITIVE_INFINITY" -> "Infinity";
        case "NEGATIVE_INFINITY" -> "-Infinity";
        default -> throw new IllegalArgumentException("unknown special numeric value " + s);
      };
    }
    if (raw instanceof Double d) {
      // JDBC's getObject gives NaN and the infinities of numeric as doubles.
      if (d.isNaN()) {
        return "NaN";
      }
      if (d.isInfinite()) {
        return d > 0 ? "Infinity" : "-Infinity";
      }
      throw new IllegalArgumentException(
          "a numeric value arrived as the double " + d + ", which may have been rounded");
    }
    if (raw instanceof Long || raw instanceof Integer || raw instanceof Short) {
      return raw.toString();
    }
    String s = raw.toString().trim();
    switch (s.toLowerCase(Locale.ROOT)) {
      case "nan":
        return "NaN";
      case "infinity":
      case "inf":
      case "+infinity":
        return "Infinity";
      case "-infinity":
      case "-inf":
        return "-Infinity";
      default:
        return new BigDecimal(s).toPlainString();
    }
  }

  // date

  static String date(Object raw) {
    if (raw instanceof java.sql.Date d) {
      if (d.getTime() == PGStatement.DATE_POSITIVE_INFINITY) {
        return "infinity";
      }
      if (d.getTime() == PGStatement.DATE_NEGATIVE_INFINITY) {
        return "-infinity";
      }
      // The fields, not the instant: JDBC builds dates before 1582 in the Julian calendar.
      return PgText.date(fields(d, 0).toLocalDate());
    }
    if (raw instanceof LocalDate d) {
      if (d.equals(PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE)) {
        return "infinity";
      }
      if (d.equals(PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE)) {
        return "-infinity";
      }
      return PgText.date(d);
    }
    if (raw instanceof java.util.Date || raw instanceof Number) {
      throw new IllegalArgumentException(
          "a date arrived as " + raw.getClass().getName() + ", which mzflink cannot read exactly");
    }
    String s = raw.toString().trim();
    if (isInfinity(s)) {
      return infinity(s);
    }
    return PgText.date(parseDate(s));
  }

  private static final Pattern DATE = Pattern.compile("(\\d{4,})-(\\d{2})-(\\d{2})( BC)?");

  /** A date in PostgreSQL's ISO output, {@code YYYY-MM-DD[ BC]}. */
  static LocalDate parseDate(String s) {
    Matcher m = DATE.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PostgreSQL date: " + s);
    }
    return LocalDate.of(
        isoYear(Integer.parseInt(m.group(1)), m.group(4) != null),
        Integer.parseInt(m.group(2)),
        Integer.parseInt(m.group(3)));
  }

  private static int isoYear(int year, boolean bc) {
    return bc ? 1 - year : year;
  }

  private static boolean isInfinity(String s) {
    return s.equals("infinity") || s.equals("-infinity") || s.equals("+infinity");
  }

  private static String infinity(String s) {
    return s.startsWith("-") ? "-infinity" : "infinity";
  }

  // time

  private static final Pattern TIME =
      Pattern.compile("(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?");

  static String time(Object raw) {
    if (raw instanceof java.sql.Time) {
      throw new IllegalArgumentException(
          "a time value arrived as java.sql.Time, which holds milliseconds only: tables with time columns must be"
              + " snapshotted by mzflink");
    }
    if (raw instanceof LocalTime t) {
      return formatTime(t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
    }
    String s = raw.toString().trim();
    Matcher m = TIME.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PostgreSQL time: " + s);
    }
    return formatTime(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        Integer.parseInt(m.group(3)),
        micros(m.group(4)));
  }

  private static int micros(String fraction) {
    if (fraction == null) {
      return 0;
    }
    if (fraction.length() > 6) {
      if (fraction.substring(6).chars().anyMatch(c -> c != '0')) {
        throw new IllegalArgumentException("more than microseconds: ." + fraction);
      }
      fraction = fraction.substring(0, 6);
    }
    return Integer.parseInt((fraction + "000000").substring(0, 6));
  }

  private static final Pattern TIMETZ =
      Pattern.compile(
          "(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?([+-])(\\d{2})(?::?(\\d{2}))?(?::?(\\d{2}))?");

  /**
   * A time with time zone as PostgreSQL prints it: the time, then the offset as {@code +HH}, with
   * {@code :MM} and {@code :SS} when not zero. The offset is kept as given, not moved to UTC.
   */
  public static String timetz(Object raw) {
    if (raw instanceof java.sql.Time || raw instanceof java.time.OffsetTime) {
      throw new IllegalArgumentException(
          "a time with time zone arrived as "
              + raw.getClass().getName()
              + ", which loses its offset or microseconds");
    }
    String s = raw.toString().trim();
    Matcher m = TIMETZ.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PostgreSQL time with time zone: " + s);
    }
    StringBuilder out =
        new StringBuilder(
            formatTime(
                Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)),
                micros(m.group(4))));
    out.append(m.group(5)).append(m.group(6));
    int minutes = m.group(7) == null ? 0 : Integer.parseInt(m.group(7));
    int seconds = m.group(8) == null ? 0 : Integer.parseInt(m.group(8));
    if (minutes != 0 || seconds != 0) {
      out.append(':').append(two(minutes));
    }
    if (seconds != 0) {
      out.append(':').append(two(seconds));
    }
    return out.toString();
  }

  static String formatTime(int hour, int minute, int second, int micros) {
    return PgText.time(hour, minute, second, micros);
  }

  private static String two(long n) {
    return n < 10 ? "0" + n : Long.toString(n);
  }

  /** {@code .ffffff} without trailing zeros, nothing for whole seconds (as PostgreSQL prints). */
  private static void appendFraction(StringBuilder out, int micros) {
    if (micros == 0) {
      return;
    }
    String digits = String.format("%06d", micros);
    int end = digits.length();
    while (digits.charAt(end - 1) == '0') {
      end--;
    }
    out.append('.').append(digits, 0, end);
  }

  // timestamp

  private static final Pattern TIMESTAMP =
      Pattern.compile(
          "(\\d{4,})-(\\d{2})-(\\d{2})[ T](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?"
              + "(?:([+-])(\\d{2})(?::?(\\d{2}))?(?::(\\d{2}))?|Z)?( BC)?");

  /** A timestamp without time zone. */
  static String timestamp(Object raw) {
    LocalDateTime t;
    if (raw instanceof java.sql.Timestamp ts) {
      if (ts.getTime() == PGStatement.DATE_POSITIVE_INFINITY) {
        return "infinity";
      }
      if (ts.getTime() == PGStatement.DATE_NEGATIVE_INFINITY) {
        return "-infinity";
      }
      requireFixedOffsetZone();
      // The fields, not the instant: JDBC builds timestamps before 1582 in the Julian calendar.
      t = fields(ts, ts.getNanos());
    } else if (raw instanceof Instant i) {
      if (i.equals(PostgresValueConverter.POSITIVE_INFINITY_INSTANT)) {
        return "infinity";
      }
      if (i.equals(PostgresValueConverter.NEGATIVE_INFINITY_INSTANT)) {
        return "-infinity";
      }
      // Debezium reads a timestamp's text as a local date-time at UTC.
      t = LocalDateTime.ofInstant(i, ZoneOffset.UTC);
    } else if (raw instanceof LocalDateTime l) {
      if (l.equals(PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE_TIME)) {
        return "infinity";
      }
      if (l.equals(PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE_TIME)) {
        return "-infinity";
      }
      t = l;
    } else if (raw instanceof java.util.Date || raw instanceof Number) {
      throw new IllegalArgumentException(
          "a timestamp arrived as "
              + raw.getClass().getName()
              + ", which mzflink cannot read exactly");
    } else {
      String s = raw.toString().trim();
      if (isInfinity(s)) {
        return infinity(s);
      }
      Parsed p = parseTimestamp(s);
      if (p.offsetSeconds != null) {
        throw new IllegalArgumentException("a timestamp without time zone has an offset: " + s);
      }
      t = p.local;
    }
    return PgText.timestamp(t);
  }

  /**
   * The JVM's zone decides how JDBC turns a timestamp without time zone into a java.sql.Timestamp;
   * in a zone with daylight saving time, local times in the spring gap move by an hour. Refuse to
   * read them that way rather than shift them.
   */
  private static void requireFixedOffsetZone() {
    ZoneId zone = ZoneId.systemDefault();
    if (!zone.getRules().isFixedOffset()) {
      throw new IllegalStateException(
          String.format(
              "the JVM's time zone %s has daylight saving time: JDBC would move timestamp values that fall into its gaps."
                  + " Start the Flink TaskManagers with -Duser.timezone=UTC (mzflink's own processes do)",
              zone));
    }
  }

  /** A timestamp with time zone, as the instant in UTC. */
  static String timestamptz(Object raw) {
    Instant instant;
    if (raw instanceof java.sql.Timestamp ts) {
      if (ts.getTime() == PGStatement.DATE_POSITIVE_INFINITY) {
        return "infinity";
      }
      if (ts.getTime() == PGStatement.DATE_NEGATIVE_INFINITY) {
        return "-infinity";
      }
      instant =
          ts.getTime() >= GREGORIAN_CUTOVER_MILLIS
              ? ts.toInstant()
              // Before 1582 JDBC counts in the Julian calendar: its fields are PostgreSQL's.
              : fields(ts, ts.getNanos()).atZone(ZoneId.systemDefault()).toInstant();
    } else if (raw instanceof OffsetDateTime o) {
      if (o.equals(PostgresValueConverter.POSITIVE_INFINITY_OFFSET_DATE_TIME)) {
        return "infinity";
      }
      if (o.equals(PostgresValueConverter.NEGATIVE_INFINITY_OFFSET_DATE_TIME)) {
        return "-infinity";
      }
      instant = o.toInstant();
    } else if (raw instanceof ZonedDateTime z) {
      instant = z.toInstant();
    } else if (raw instanceof Instant i) {
      if (i.equals(PostgresValueConverter.POSITIVE_INFINITY_INSTANT)) {
        return "infinity";
      }
      if (i.equals(PostgresValueConverter.NEGATIVE_INFINITY_INSTANT)) {
        return "-infinity";
      }
      instant = i;
    } else if (raw instanceof java.util.Date || raw instanceof Number) {
      throw new IllegalArgumentException(
          "a timestamp with time zone arrived as "
              + raw.getClass().getName()
              + ", which mzflink cannot read exactly");
    } else {
      String s = raw.toString().trim();
      if (isInfinity(s)) {
        return infinity(s);
      }
      Parsed p = parseTimestamp(s);
      if (p.offsetSeconds == null) {
        throw new IllegalArgumentException("a timestamp with time zone has no offset: " + s);
      }
      instant = p.local.toInstant(ZoneOffset.ofTotalSeconds(p.offsetSeconds));
    }
    return PgText.timestampUtc(instant);
  }

  /**
   * The calendar fields of a java.util.Date that JDBC built from PostgreSQL's fields, with the era:
   * {@code toLocalDateTime()} drops it and turns 4713 BC into 4713 AD. ISO years: 1 BC is 0.
   */
  private static LocalDateTime fields(java.util.Date d, int nanos) {
    java.util.GregorianCalendar calendar = new java.util.GregorianCalendar();
    calendar.setTime(d);
    int year = calendar.get(java.util.Calendar.YEAR);
    if (calendar.get(java.util.Calendar.ERA) == java.util.GregorianCalendar.BC) {
      year = 1 - year;
    }
    return LocalDateTime.of(
        year,
        calendar.get(java.util.Calendar.MONTH) + 1,
        calendar.get(java.util.Calendar.DAY_OF_MONTH),
        calendar.get(java.util.Calendar.HOUR_OF_DAY),
        calendar.get(java.util.Calendar.MINUTE),
        calendar.get(java.util.Calendar.SECOND),
        nanos);
  }

  /** 1582-10-15T00:00Z, where java.util's calendar switches from Julian to Gregorian. */
  private static final long GREGORIAN_CUTOVER_MILLIS = -12219292800000L;

  /** A parsed timestamp: its fields, and its UTC offset in seconds if it has one. */
  record Parsed(LocalDateTime local, Integer offsetSeconds) {}

  static Parsed parseTimestamp(String s) {
    Matcher m = TIMESTAMP.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PostgreSQL timestamp: " + s);
    }
    boolean bc = m.group(12) != null;
    LocalDateTime local =
        LocalDateTime.of(
            isoYear(Integer.parseInt(m.group(1)), bc),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)),
            Integer.parseInt(m.group(4)),
            Integer.parseInt(m.group(5)),
            Integer.parseInt(m.group(6)),
            micros(m.group(7)) * 1000);
    Integer offset = null;
    if (m.group(8) != null) {
      int seconds =
          Integer.parseInt(m.group(9)) * 3600
              + (m.group(10) == null ? 0 : Integer.parseInt(m.group(10)) * 60)
              + (m.group(11) == null ? 0 : Integer.parseInt(m.group(11)));
      offset = m.group(8).equals("-") ? -seconds : seconds;
    } else if (s.contains("Z")) {
      offset = 0;
    }
    return new Parsed(local, offset);
  }

  // interval

  static String interval(Object raw) {
    PGInterval interval;
    if (raw instanceof PGInterval i) {
      interval = i;
    } else {
      try {
        interval = new PGInterval(raw.toString());
      } catch (SQLException e) {
        throw new IllegalArgumentException("not a PostgreSQL interval: " + raw, e);
      }
    }
    long months = (long) interval.getYears() * 12 + interval.getMonths();
    long micros =
        ((((long) interval.getHours() * 60 + interval.getMinutes()) * 60)
                    + interval.getWholeSeconds())
                * 1_000_000L
            + interval.getMicroSeconds();
    return formatInterval(months, interval.getDays(), micros);
  }

  /**
   * An interval as PostgreSQL prints it with {@code IntervalStyle = postgres}: years, months and
   * days with their signs, then the time, {@code -} or {@code +} (after a negative part) before it.
   */
  static String formatInterval(long months, long days, long micros) {
    StringBuilder out = new StringBuilder();
    boolean[] state = {true, false}; // is zero so far, last part was negative
    appendPart(out, months / 12, "year", state);
    appendPart(out, months % 12, "mon", state);
    appendPart(out, days, "day", state);
    if (state[0] || micros != 0) {
      boolean minus = micros < 0;
      long abs = Math.abs(micros);
      long hours = abs / 3_600_000_000L;
      long minutes = (abs / 60_000_000L) % 60;
      long seconds = (abs / 1_000_000L) % 60;
      int fraction = (int) (abs % 1_000_000L);
      out.append(state[0] ? "" : " ").append(minus ? "-" : (state[1] ? "+" : ""));
      out.append(two(hours)).append(':').append(two(minutes)).append(':').append(two(seconds));
      appendFraction(out, fraction);
    }
    return out.toString();
  }

  private static void appendPart(StringBuilder out, long value, String unit, boolean[] state) {
    if (value == 0) {
      return;
    }
    out.append(state[0] ? "" : " ")
        .append(state[1] && value > 0 ? "+" : "")
        .append(value)
        .append(' ')
        .append(unit);
    if (value != 1) {
      out.append('s');
    }
    state[1] = value < 0;
    state[0] = false;
  }

  // bool

  static String bool(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "t", "true", "1", "yes", "on", "y" -> "t";
      case "f", "false", "0", "no", "off", "n" -> "f";
      default -> throw new IllegalArgumentException("not a PostgreSQL boolean: " + s);
    };
  }

  // arrays

  /**
   * An array's text with each element in its canonical text, in PostgreSQL's array syntax (any
   * number of dimensions, an explicit {@code [lo:hi]=} prefix kept).
   */
  static String array(PgValueKind element, String text) {
    String s = text.trim();
    String prefix = "";
    if (s.startsWith("[")) {
      int eq = s.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("malformed array: " + text);
      }
      prefix = s.substring(0, eq + 1);
      s = s.substring(eq + 1);
    }
    ArrayParser parser = new ArrayParser(s);
    Object parsed = parser.parse();
    StringBuilder out = new StringBuilder(prefix);
    format(parsed, element, out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static void format(Object node, PgValueKind element, StringBuilder out) {
    if (node instanceof List<?> list) {
      out.append('{');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        format(list.get(i), element, out);
      }
      out.append('}');
    } else if (node == null) {
      out.append("NULL");
    } else {
      quoteElement(of(element, null, node), out);
    }
  }

  /** An element as array_out writes it: quoted when empty, NULL, or holding special characters. */
  static void quoteElement(String value, StringBuilder out) {
    boolean quote = value.isEmpty() || value.equalsIgnoreCase("NULL");
    for (int i = 0; i < value.length() && !quote; i++) {
      char c = value.charAt(i);
      quote =
          c == '"'
              || c == '\\'
              || c == '{'
              || c == '}'
              || c == ','
              || c == ' '
              || c == '\t'
              || c == '\n'
              || c == '\r'
              || c == '\u000b'
              || c == '\f';
    }
    if (!quote) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }

  /** Parses PostgreSQL's array syntax into nested lists of element strings (null for NULL). */
  private static final class ArrayParser {
    private final String s;
    private int i;

    ArrayParser(String s) {
      this.s = s;
    }

    Object parse() {
      Object value = list();
      skipSpace();
      if (i != s.length()) {
        throw malformed();
      }
      return value;
    }

    private List<Object> list() {
      skipSpace();
      expect('{');
      List<Object> items = new ArrayList<>();
      skipSpace();
      if (peek() == '}') {
        i++;
        return items;
      }
      while (true) {
        skipSpace();
        if (peek() == '{') {
          items.add(list());
        } else if (peek() == '"') {
          items.add(quoted());
        } else {
          items.add(unquoted());
        }
        skipSpace();
        char c = next();
        if (c == '}') {
          return items;
        }
        if (c != ',') {
          throw malformed();
        }
      }
    }

    private String quoted() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return out.toString();
        }
        if (c == '\\') {
          c = next();
        }
        out.append(c);
      }
    }

    private String unquoted() {
      StringBuilder out = new StringBuilder();
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == ',' || c == '}') {
          break;
        }
        if (c == '\\') {
          i++;
          out.append(next());
          continue;
        }
        out.append(c);
        i++;
      }
      String value = out.toString().strip();
      return value.equalsIgnoreCase("NULL") ? null : value;
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private char peek() {
      if (i >= s.length()) {
        throw malformed();
      }
      return s.charAt(i);
    }

    private char next() {
      char c = peek();
      i++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) {
        throw malformed();
      }
    }

    private IllegalArgumentException malformed() {
      return new IllegalArgumentException("malformed array literal: " + s);
    }
  }
}
