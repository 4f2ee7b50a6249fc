package dev.mzflink.values;

import dev.mzflink.translate.PgValueKind;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's text of a value, in one canonical spelling, from the text PostgreSQL printed (COPY,
 * pgoutput, JDBC {@code getString}) in a session pinned to {@code DateStyle ISO} and {@code
 * IntervalStyle postgres}. Every path that reads a value as text goes through here, so the same
 * upstream value always becomes the same text, and from it the same Flink value ({@link
 * FlinkValues}): a row read by mzflink's locked snapshot equals the WAL's image of it. The Java
 * objects JDBC and Debezium make of a value are turned into text at the edge that receives them
 * ({@code runtime.cdc.ConnectorValues}), which then comes here.
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

  /**
   * The canonical text of a non-null value of {@code kind} that PostgreSQL printed as {@code text}.
   */
  public static String of(PgValueKind kind, PgValueKind element, String text) {
    switch (kind) {
      case NUMERIC:
      case NUMERIC_TEXT:
        return numeric(text);
      case DATE:
        return date(text);
      case TIME:
        return time(text);
      case TIMETZ:
        return timetz(text);
      case TIMESTAMP:
        return timestamp(text);
      case TIMESTAMPTZ:
        return timestamptz(text);
      case INTERVAL:
        return interval(text);
      case ARRAY:
        return array(element, text);
      case BOOLEAN:
        return bool(text);
      case INT2:
      case INT4:
      case INT8:
      case OID:
        return Long.toString(Long.parseLong(text.trim()));
      case FLOAT4:
        return PgText.floatText(Float.parseFloat(text.trim()));
      case FLOAT8:
        return PgText.doubleText(Double.parseDouble(text.trim()));
      case TEXT:
      case BYTEA:
        return text;
    }
    throw new IllegalStateException("unknown kind " + kind);
  }

  // numeric

  /** A numeric: plain digits with the scale of the text, or {@code NaN} and the infinities. */
  public static String numeric(String text) {
    String s = text.trim();
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

  /** A date, or {@code infinity} and {@code -infinity}. */
  public static String date(String text) {
    String s = text.trim();
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

  /** A time without time zone: {@code HH:MM:SS}, then the fraction without trailing zeros. */
  public static String time(String text) {
    String s = text.trim();
    Matcher m = TIME.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PostgreSQL time: " + s);
    }
    return PgText.time(
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
  public static String timetz(String text) {
    String s = text.trim();
    Matcher m = TIMETZ.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PostgreSQL time with time zone: " + s);
    }
    StringBuilder out =
        new StringBuilder(
            PgText.time(
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

  /** A timestamp without time zone, or {@code infinity} and {@code -infinity}. */
  public static String timestamp(String text) {
    String s = text.trim();
    if (isInfinity(s)) {
      return infinity(s);
    }
    Parsed p = parseTimestamp(s);
    if (p.offsetSeconds != null) {
      throw new IllegalArgumentException("a timestamp without time zone has an offset: " + s);
    }
    return PgText.timestamp(p.local);
  }

  /**
   * A timestamp with time zone, as the instant in UTC ({@code +00}), or {@code infinity} and {@code
   * -infinity}.
   */
  public static String timestamptz(String text) {
    String s = text.trim();
    if (isInfinity(s)) {
      return infinity(s);
    }
    Parsed p = parseTimestamp(s);
    if (p.offsetSeconds == null) {
      throw new IllegalArgumentException("a timestamp with time zone has no offset: " + s);
    }
    return PgText.timestampUtc(p.local.toInstant(ZoneOffset.ofTotalSeconds(p.offsetSeconds)));
  }

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

  /**
   * An interval in PostgreSQL's {@code postgres} IntervalStyle, made canonical; {@code infinity}
   * and {@code -infinity} (PostgreSQL 17) as they are.
   *
   * @throws IllegalArgumentException for the text of another IntervalStyle
   */
  public static String interval(String text) {
    String s = text.trim();
    if (isInfinity(s)) {
      return infinity(s);
    }
    Interval i = parseInterval(s);
    return formatInterval(i.months(), i.days(), i.micros());
  }

  /** An interval's three fields, as PostgreSQL stores them. */
  record Interval(long months, long days, long micros) {}

  private static final Pattern INTERVAL_NUMBER = Pattern.compile("[+-]?\\d{1,10}");

  private static final Pattern INTERVAL_TIME =
      Pattern.compile("([+-]?)(\\d{2,10}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?");

  private static final List<String> INTERVAL_UNITS = List.of("year", "mon", "day");

  /**
   * Parses what PostgreSQL prints for an interval with {@code IntervalStyle = postgres}: {@code N
   * year(s)}, {@code N mon(s)} and {@code N day(s)} in this order, each with its own sign and only
   * when not zero, then the time {@code [+-]HH:MM:SS[.ffffff]} (its sign for all of it), present
   * when not zero or when nothing else is: {@code 1 year 2 mons -3 days +04:05:06.789}, {@code
   * -00:00:01}, {@code 00:00:00}.
   */
  static Interval parseInterval(String text) {
    String[] words = text.trim().split(" ", -1);
    long[] parts = new long[INTERVAL_UNITS.size()];
    long micros = 0;
    int next = 0; // the first unit that may still come
    int i = 0;
    while (i < words.length) {
      String word = words[i];
      if (word.indexOf(':') >= 0 && i == words.length - 1) {
        micros = intervalTime(word, text);
        i++;
        continue;
      }
      int unit = i + 1 < words.length ? intervalUnit(words[i + 1]) : -1;
      if (unit < next || !INTERVAL_NUMBER.matcher(word).matches()) {
        throw notPostgresInterval(text);
      }
      parts[unit] = Long.parseLong(word);
      next = unit + 1;
      i += 2;
    }
    return new Interval(parts[0] * 12 + parts[1], parts[2], micros);
  }

  /**
   * The index in {@link #INTERVAL_UNITS} of a unit word ({@code years}, {@code mon}, ...), or -1.
   */
  private static int intervalUnit(String word) {
    String unit = word.endsWith("s") ? word.substring(0, word.length() - 1) : word;
    return INTERVAL_UNITS.indexOf(unit);
  }

  /** The microseconds of an interval's time part, {@code [+-]HH:MM:SS[.ffffff]}. */
  private static long intervalTime(String word, String text) {
    Matcher m = INTERVAL_TIME.matcher(word);
    if (!m.matches()) {
      throw notPostgresInterval(text);
    }
    long minutes = Long.parseLong(m.group(3));
    long seconds = Long.parseLong(m.group(4));
    if (minutes > 59 || seconds > 59) {
      throw notPostgresInterval(text);
    }
    try {
      long hours = Math.multiplyExact(Long.parseLong(m.group(2)), 3_600_000_000L);
      long rest = minutes * 60_000_000L + seconds * 1_000_000L + micros(m.group(5));
      // Negative from the hours on: -2562047788:00:54.775808 is the smallest, Long.MIN_VALUE.
      return m.group(1).equals("-") ? Math.subtractExact(-hours, rest) : Math.addExact(hours, rest);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("interval out of range: " + text, e);
    }
  }

  private static IllegalArgumentException notPostgresInterval(String text) {
    return new IllegalArgumentException(
        "not an interval in IntervalStyle postgres (such as 1 year 2 mons -3 days +04:05:06.789),"
            + " which every session that reads values as text sets: "
            + text);
  }

  /**
   * An interval as PostgreSQL prints it with {@code IntervalStyle = postgres}: years, months and
   * days with their signs, then the time, {@code -} or {@code +} (after a negative part) before it.
   */
  public static String formatInterval(long months, long days, long micros) {
    StringBuilder out = new StringBuilder();
    boolean[] state = {true, false}; // is zero so far, last part was negative
    appendPart(out, months / 12, "year", state);
    appendPart(out, months % 12, "mon", state);
    appendPart(out, days, "day", state);
    if (state[0] || micros != 0) {
      boolean minus = micros < 0;
      // Divided before the sign is dropped, so that Long.MIN_VALUE has an absolute value too.
      long hours = Math.abs(micros / 3_600_000_000L);
      long rest = Math.abs(micros % 3_600_000_000L);
      long minutes = rest / 60_000_000L;
      long seconds = (rest / 1_000_000L) % 60;
      int fraction = (int) (rest % 1_000_000L);
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
    return array(text, e -> of(element, null, e));
  }

  /**
   * An array's text with each non-null element replaced by {@code element} of its text, in
   * PostgreSQL's array syntax (any number of dimensions, an explicit {@code [lo:hi]=} prefix kept).
   */
  public static String array(String text, UnaryOperator<String> element) {
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

  private static void format(Object node, UnaryOperator<String> element, StringBuilder out) {
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
      quoteElement(element.apply((String) node), out);
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
