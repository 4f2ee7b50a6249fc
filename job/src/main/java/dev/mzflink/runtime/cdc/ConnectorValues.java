package dev.mzflink.runtime.cdc;

import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.CanonicalText;
import dev.mzflink.values.PgText;
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
import java.util.Locale;
import org.postgresql.PGStatement;
import org.postgresql.util.PGInterval;

/**
 * The canonical text ({@link CanonicalText}) of a value as a Debezium converter receives it: the
 * Java object JDBC's {@code getObject} or Debezium's value resolver made of it (java.sql dates and
 * timestamps, java.time objects with Debezium's infinity constants, Debezium's {@code
 * SpecialValueDecimal}, pgjdbc's {@code PGInterval}, JDBC's doubles for numeric NaN), or its text.
 * Debezium's sessions do not pin {@code IntervalStyle}, so an interval's text in another style is
 * read by pgjdbc's {@code PGInterval}.
 */
final class ConnectorValues {
  private ConnectorValues() {}

  /** The canonical text of a non-null {@code raw} value of {@code kind}. */
  static String of(PgValueKind kind, PgValueKind element, Object raw) {
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
        return CanonicalText.array(raw.toString(), text -> of(element, null, text));
      case BOOLEAN:
      case INT2:
      case INT4:
      case INT8:
      case OID:
      case FLOAT4:
      case FLOAT8:
      case TEXT:
      case BYTEA:
        return CanonicalText.of(kind, element, raw.toString());
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
    return CanonicalText.numeric(raw.toString());
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
    return CanonicalText.date(raw.toString());
  }

  // time

  static String time(Object raw) {
    if (raw instanceof java.sql.Time) {
      throw new IllegalArgumentException(
          "a time value arrived as java.sql.Time, which holds milliseconds only: tables with time columns must be"
              + " snapshotted by mzflink");
    }
    if (raw instanceof LocalTime t) {
      return PgText.time(t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
    }
    return CanonicalText.time(raw.toString());
  }

  static String timetz(Object raw) {
    if (raw instanceof java.sql.Time || raw instanceof java.time.OffsetTime) {
      throw new IllegalArgumentException(
          "a time with time zone arrived as "
              + raw.getClass().getName()
              + ", which loses its offset or microseconds");
    }
    return CanonicalText.timetz(raw.toString());
  }

  // timestamp

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
      return CanonicalText.timestamp(raw.toString());
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
      return CanonicalText.timestamptz(raw.toString());
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

  // interval

  /**
   * An interval from pgjdbc's {@code PGInterval} (what JDBC and Debezium make of one), or from its
   * text: in the {@code postgres} IntervalStyle read by {@link CanonicalText#interval}, in any
   * other style by {@code PGInterval}.
   */
  static String interval(Object raw) {
    PGInterval interval;
    if (raw instanceof PGInterval i) {
      interval = i;
    } else {
      String text = raw.toString();
      try {
        return CanonicalText.interval(text);
      } catch (IllegalArgumentException notPostgresStyle) {
        try {
          interval = new PGInterval(text);
        } catch (SQLException e) {
          throw new IllegalArgumentException("not a PostgreSQL interval: " + raw, e);
        }
      }
    }
    long months = (long) interval.getYears() * 12 + interval.getMonths();
    long micros =
        ((((long) interval.getHours() * 60 + interval.getMinutes()) * 60)
                    + interval.getWholeSeconds())
                * 1_000_000L
            + interval.getMicroSeconds();
    return CanonicalText.formatInterval(months, interval.getDays(), micros);
  }
}
