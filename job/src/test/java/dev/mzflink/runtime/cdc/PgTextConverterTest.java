package dev.mzflink.runtime.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.FlinkValues;
import dev.mzflink.values.PgText;
import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.data.SpecialValueDecimal;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.postgresql.PGStatement;
import org.postgresql.util.PGInterval;

/**
 * The canonical text mzflink's converter makes of the objects JDBC and Debezium hand it, what it
 * hands Flink CDC, and the error for a value a DECIMAL cannot hold.
 */
class PgTextConverterTest {
  @Test
  void numericNaNInADecimalColumnIsAnErrorNamingTheColumn() {
    assertThatThrownBy(
            () -> PgTextConverter.connectValue(PgValueKind.NUMERIC, "NaN", "public.orders.total"))
        .isInstanceOf(FlinkValues.UnrepresentableValueException.class)
        .hasMessage(
            "column public.orders.total holds the numeric value NaN, which Flink's DECIMAL cannot carry: declare the column"
                + " numeric without precision upstream (carried as text) or keep NaN out of it with a CHECK constraint");
  }

  @Test
  void datesBecomeEpochDaysAndInfinitiesTheDaysBeyondPostgresRange() {
    assertThat(PgTextConverter.connectValue(PgValueKind.DATE, "1970-01-02", "c")).isEqualTo(1);
    assertThat(PgTextConverter.connectValue(PgValueKind.DATE, "0001-01-01 BC", "c"))
        .isEqualTo(-719528);
    assertThat(PgTextConverter.connectValue(PgValueKind.DATE, "infinity", "c"))
        .isEqualTo(PgText.DATE_INFINITY);
    assertThat(PgTextConverter.connectValue(PgValueKind.DATE, "-infinity", "c"))
        .isEqualTo(PgText.DATE_MINUS_INFINITY);
  }

  @Test
  void timestampsBecomeIsoInstantsInUtc() {
    assertThat(
            PgTextConverter.connectValue(
                PgValueKind.TIMESTAMPTZ, "2024-01-01 08:00:00.000001+00", "c"))
        .isEqualTo("2024-01-01T08:00:00.000001Z");
    assertThat(
            PgTextConverter.connectValue(PgValueKind.TIMESTAMP, "4713-01-01 00:00:00.123 BC", "c"))
        .isEqualTo("-4712-01-01T00:00:00.123Z");
  }

  @Test
  void timeWithTimeZoneKeepsItsOffsetAsPostgresPrintsIt() {
    assertThat(ConnectorValues.timetz("24:00:00-15:59")).isEqualTo("24:00:00-15:59");
    assertThat(ConnectorValues.timetz("12:34:56.123400+05:30")).isEqualTo("12:34:56.1234+05:30");
    assertThat(ConnectorValues.timetz("00:00:00+00:00")).isEqualTo("00:00:00+00");
    assertThatThrownBy(() -> ConnectorValues.timetz(java.time.OffsetTime.parse("10:00Z")))
        .hasMessage(
            "a time with time zone arrived as java.time.OffsetTime, which loses its offset or microseconds");
  }

  @Test
  void numericObjectsBecomePlainDigitsAndTheirSpecialValues() {
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC, null, new BigDecimal("1.50")))
        .isEqualTo("1.50");
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC, null, new BigDecimal("1E+3")))
        .isEqualTo("1000");
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC, null, 42L)).isEqualTo("42");
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC_TEXT, null, SpecialValueDecimal.NOT_A_NUMBER))
        .isEqualTo("NaN");
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC_TEXT, null, SpecialValueDecimal.NEGATIVE_INF))
        .isEqualTo("-Infinity");
    assertThat(
            ConnectorValues.of(
                PgValueKind.NUMERIC, null, new SpecialValueDecimal(new BigDecimal("2.50"))))
        .isEqualTo("2.50");
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC_TEXT, null, Double.NaN)).isEqualTo("NaN");
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC_TEXT, null, Double.POSITIVE_INFINITY))
        .isEqualTo("Infinity");
    assertThatThrownBy(() -> ConnectorValues.of(PgValueKind.NUMERIC, null, 1.5))
        .hasMessage("a numeric value arrived as the double 1.5, which may have been rounded");
    assertThat(ConnectorValues.of(PgValueKind.NUMERIC, null, " 12.3400 ")).isEqualTo("12.3400");
  }

  @Test
  void datesFromJdbcAndDebeziumKeepTheirEraAndInfinities() {
    assertThat(ConnectorValues.of(PgValueKind.DATE, null, java.sql.Date.valueOf("2024-02-29")))
        .isEqualTo("2024-02-29");
    assertThat(
            ConnectorValues.of(
                PgValueKind.DATE, null, new java.sql.Date(PGStatement.DATE_POSITIVE_INFINITY)))
        .isEqualTo("infinity");
    assertThat(
            ConnectorValues.of(
                PgValueKind.DATE, null, new java.sql.Date(PGStatement.DATE_NEGATIVE_INFINITY)))
        .isEqualTo("-infinity");
    assertThat(ConnectorValues.of(PgValueKind.DATE, null, LocalDate.of(-4712, 1, 1)))
        .isEqualTo("4713-01-01 BC");
    assertThat(
            ConnectorValues.of(
                PgValueKind.DATE, null, PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE))
        .isEqualTo("infinity");
    assertThat(
            ConnectorValues.of(
                PgValueKind.DATE, null, PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE))
        .isEqualTo("-infinity");
    assertThat(ConnectorValues.of(PgValueKind.DATE, null, "0001-01-01 BC"))
        .isEqualTo("0001-01-01 BC");
    assertThatThrownBy(() -> ConnectorValues.of(PgValueKind.DATE, null, 19000))
        .hasMessage("a date arrived as java.lang.Integer, which mzflink cannot read exactly");
  }

  @Test
  void timesFromJdbcAndDebeziumKeepMicroseconds() {
    assertThat(ConnectorValues.of(PgValueKind.TIME, null, LocalTime.of(1, 2, 3, 4_000)))
        .isEqualTo("01:02:03.000004");
    assertThat(ConnectorValues.of(PgValueKind.TIME, null, "24:00:00")).isEqualTo("24:00:00");
    assertThatThrownBy(
            () -> ConnectorValues.of(PgValueKind.TIME, null, java.sql.Time.valueOf("01:02:03")))
        .hasMessage(
            "a time value arrived as java.sql.Time, which holds milliseconds only: tables with time columns must be"
                + " snapshotted by mzflink");
  }

  @Test
  void timestampsFromJdbcAndDebeziumKeepTheirEraAndInfinities() {
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMP,
                null,
                java.sql.Timestamp.valueOf("2024-01-02 03:04:05.123456")))
        .isEqualTo("2024-01-02 03:04:05.123456");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMP,
                null,
                new java.sql.Timestamp(PGStatement.DATE_NEGATIVE_INFINITY)))
        .isEqualTo("-infinity");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMP, null, Instant.parse("2024-01-02T03:04:05.000001Z")))
        .isEqualTo("2024-01-02 03:04:05.000001");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMP, null, PostgresValueConverter.POSITIVE_INFINITY_INSTANT))
        .isEqualTo("infinity");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMP, null, LocalDateTime.of(-4712, 1, 1, 0, 0, 0, 123_000_000)))
        .isEqualTo("4713-01-01 00:00:00.123 BC");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMP,
                null,
                PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE_TIME))
        .isEqualTo("-infinity");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMPTZ, null, OffsetDateTime.parse("2024-01-02T03:04:05+02:00")))
        .isEqualTo("2024-01-02 01:04:05+00");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMPTZ,
                null,
                ZonedDateTime.parse("2024-07-02T03:04:05+02:00[Europe/Paris]")))
        .isEqualTo("2024-07-02 01:04:05+00");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMPTZ,
                null,
                PostgresValueConverter.POSITIVE_INFINITY_OFFSET_DATE_TIME))
        .isEqualTo("infinity");
    assertThat(
            ConnectorValues.of(
                PgValueKind.TIMESTAMPTZ,
                null,
                new java.sql.Timestamp(PGStatement.DATE_POSITIVE_INFINITY)))
        .isEqualTo("infinity");
    assertThat(ConnectorValues.of(PgValueKind.TIMESTAMPTZ, null, "2024-01-02 03:04:05.5+05:30"))
        .isEqualTo("2024-01-01 21:34:05.5+00");
    assertThatThrownBy(() -> ConnectorValues.of(PgValueKind.TIMESTAMPTZ, null, 7L))
        .hasMessage(
            "a timestamp with time zone arrived as java.lang.Long, which mzflink cannot read exactly");
  }

  @Test
  void intervalsFromPgIntervalAndFromTextOfAnyStyle() throws Exception {
    assertThat(
            ConnectorValues.of(
                PgValueKind.INTERVAL, null, new PGInterval("1 year 2 mons -3 days +04:05:06.789")))
        .isEqualTo("1 year 2 mons -3 days +04:05:06.789");
    assertThat(ConnectorValues.of(PgValueKind.INTERVAL, null, new PGInterval(0, 0, 0, 0, 0, -1.5)))
        .isEqualTo("-00:00:01.5");
    assertThat(ConnectorValues.of(PgValueKind.INTERVAL, null, "-1 days +02:03:04"))
        .isEqualTo("-1 days +02:03:04");
    assertThat(ConnectorValues.of(PgValueKind.INTERVAL, null, "2562047788:00:54.775807"))
        .isEqualTo("2562047788:00:54.775807");
    // Debezium's sessions keep the server's IntervalStyle: pgjdbc reads the others.
    assertThat(ConnectorValues.of(PgValueKind.INTERVAL, null, "P1Y2M-3DT4H5M6.789S"))
        .isEqualTo("1 year 2 mons -3 days +04:05:06.789");
    assertThat(
            ConnectorValues.of(
                PgValueKind.INTERVAL,
                null,
                "@ 1 year 2 mons -3 days 4 hours 5 mins 6.789 secs ago"))
        .isEqualTo("-1 years -2 mons +3 days -04:05:06.789");
    assertThat(
            ConnectorValues.of(
                PgValueKind.ARRAY, PgValueKind.INTERVAL, "{P1Y,NULL,\"3 days 04:05:06\",PT-1S}"))
        .isEqualTo("{\"1 year\",NULL,\"3 days 04:05:06\",-00:00:01}");
  }

  @Test
  void otherKindsAreTheirText() {
    assertThat(ConnectorValues.of(PgValueKind.BOOLEAN, null, Boolean.TRUE)).isEqualTo("t");
    assertThat(ConnectorValues.of(PgValueKind.INT8, null, 9_223_372_036_854_775_807L))
        .isEqualTo("9223372036854775807");
    assertThat(ConnectorValues.of(PgValueKind.FLOAT8, null, 1.5e-7)).isEqualTo("1.5E-7");
    assertThat(ConnectorValues.of(PgValueKind.TEXT, null, " x ")).isEqualTo(" x ");
    assertThat(ConnectorValues.of(PgValueKind.ARRAY, PgValueKind.NUMERIC, "[0:1]={1.50,NaN}"))
        .isEqualTo("[0:1]={1.50,NaN}");
    assertThat(
            ConnectorValues.of(
                PgValueKind.ARRAY,
                PgValueKind.TIMESTAMPTZ,
                "{{\"2024-01-01 00:00:00+02\"},{NULL}}"))
        .isEqualTo("{{\"2023-12-31 22:00:00+00\"},{NULL}}");
  }
}
