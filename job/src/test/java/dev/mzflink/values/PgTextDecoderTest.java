package dev.mzflink.values;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.translate.PgValueKind;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.SmallIntType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

class PgTextDecoderTest {
  private static final LogicalType STRING = new VarCharType(VarCharType.MAX_LENGTH);

  private static PgTextDecoder decoder(PgValueKind kind, LogicalType type) {
    return PgTextDecoder.of(kind, Optional.empty(), type);
  }

  /** What mzflink made of the text until now, for the kinds converted from text. */
  private static Object converted(
      PgValueKind kind, PgValueKind element, LogicalType type, String text) {
    return FlinkValues.of(kind, type, CanonicalText.of(kind, element, text));
  }

  private static void assertConvertedAsBefore(
      PgValueKind kind, LogicalType type, List<String> texts) {
    PgTextDecoder decoder = decoder(kind, type);
    for (String text : texts) {
      assertThat(decoder.decode(text))
          .as("%s %s", kind, text)
          .isEqualTo(converted(kind, null, type, text));
    }
  }

  @Test
  void booleansAreTAndF() {
    PgTextDecoder decoder = decoder(PgValueKind.BOOLEAN, new BooleanType());
    assertThat(decoder.decode("t")).isEqualTo(true);
    assertThat(decoder.decode("f")).isEqualTo(false);
    assertThat(decoder.decode("true")).isEqualTo(true);
    assertThatThrownBy(() -> decoder.decode("maybe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a PostgreSQL boolean: maybe");
  }

  @Test
  void integersKeepTheirFullRangeInTheirJavaType() {
    assertThat(decoder(PgValueKind.INT2, new SmallIntType()).decode("-32768"))
        .isEqualTo((short) -32768);
    assertThat(decoder(PgValueKind.INT2, new SmallIntType()).decode("32767"))
        .isEqualTo((short) 32767);
    assertThat(decoder(PgValueKind.INT4, new IntType()).decode("-2147483648"))
        .isEqualTo(Integer.MIN_VALUE);
    assertThat(decoder(PgValueKind.INT4, new IntType()).decode("2147483647"))
        .isEqualTo(Integer.MAX_VALUE);
    assertThat(decoder(PgValueKind.INT8, new BigIntType()).decode("-9223372036854775808"))
        .isEqualTo(Long.MIN_VALUE);
    assertThat(decoder(PgValueKind.INT8, new BigIntType()).decode("9223372036854775807"))
        .isEqualTo(Long.MAX_VALUE);
    assertThat(decoder(PgValueKind.INT8, new BigIntType()).decode("0")).isEqualTo(0L);
    assertThat(decoder(PgValueKind.OID, new BigIntType()).decode("4294967295"))
        .isEqualTo(4294967295L);
  }

  @Test
  void integersOutOfRangeOrMalformedAreRefused() {
    for (String text : List.of("32768", "-32769", "", "-", "1.0", " 1", "9223372036854775808")) {
      assertThatThrownBy(() -> decoder(PgValueKind.INT2, new SmallIntType()).decode(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("not an integer from -32768 to 32767: " + text);
    }
    assertThatThrownBy(
            () -> decoder(PgValueKind.INT8, new BigIntType()).decode("9223372036854775808"))
        .hasMessage(
            "not an integer from -9223372036854775808 to 9223372036854775807: 9223372036854775808");
    assertThatThrownBy(() -> decoder(PgValueKind.OID, new BigIntType()).decode("4294967296"))
        .hasMessage("not an integer from 0 to 4294967295: 4294967296");
  }

  @Test
  void floatsKeepNanInfinitiesAndNegativeZero() {
    PgTextDecoder float4 = decoder(PgValueKind.FLOAT4, new FloatType());
    assertThat(float4.decode("NaN")).isEqualTo(Float.NaN);
    assertThat(float4.decode("Infinity")).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(float4.decode("-Infinity")).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(float4.decode("-0")).isEqualTo(-0.0f).isNotEqualTo(0.0f);
    assertThat(float4.decode("0.1")).isEqualTo(0.1f);
    assertThat(float4.decode("3.4028235e+38")).isEqualTo(Float.MAX_VALUE);
    assertThat(float4.decode("1e-45")).isEqualTo(Float.MIN_VALUE);
    PgTextDecoder float8 = decoder(PgValueKind.FLOAT8, new DoubleType());
    assertThat(float8.decode("NaN")).isEqualTo(Double.NaN);
    assertThat(float8.decode("-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(float8.decode("-0")).isEqualTo(-0.0).isNotEqualTo(0.0);
    assertThat(float8.decode("2.2250738585072014e-308")).isEqualTo(Double.MIN_NORMAL);
    assertThat(float8.decode("0.1")).isEqualTo(0.1);
    assertThat(float8.decode("1e-300")).isEqualTo(1e-300);
  }

  @Test
  void numericsBecomeExactDecimals() {
    assertConvertedAsBefore(
        PgValueKind.NUMERIC,
        new DecimalType(10, 2),
        List.of("99999999.99", "-99999999.99", "0", "0.00", "0.10", "-0.01", "1.5", "7"));
    assertConvertedAsBefore(
        PgValueKind.NUMERIC,
        new DecimalType(38, 0),
        List.of(
            "99999999999999999999999999999999999999",
            "-99999999999999999999999999999999999999",
            "0",
            "1"));
    assertConvertedAsBefore(
        PgValueKind.NUMERIC, new DecimalType(2, 2), List.of("0.50", "-0.99", "0.00"));
    assertConvertedAsBefore(
        PgValueKind.NUMERIC,
        new DecimalType(18, 18),
        List.of("0.123456789012345678", "-0.999999999999999999"));
    assertThat(decoder(PgValueKind.NUMERIC, new DecimalType(12, 2)).decode("1234567890.12"))
        .isEqualTo(DecimalData.fromBigDecimal(new BigDecimal("1234567890.12"), 12, 2));
  }

  @Test
  void numericsADecimalCannotCarryAreRefused() {
    PgTextDecoder decoder = decoder(PgValueKind.NUMERIC, new DecimalType(10, 2));
    for (String special : List.of("NaN", "Infinity", "-Infinity")) {
      assertThatThrownBy(() -> decoder.decode(special))
          .isInstanceOf(FlinkValues.UnrepresentableValueException.class)
          .hasMessage("the numeric value " + special + " cannot be carried as DECIMAL(10, 2)");
    }
    assertThatThrownBy(() -> decoder.decode("100000000.00"))
        .isInstanceOf(FlinkValues.UnrepresentableValueException.class)
        .hasMessage("the numeric value 100000000.00 does not fit DECIMAL(10, 2)");
    assertThatThrownBy(() -> decoder.decode("1.005"))
        .isInstanceOf(FlinkValues.UnrepresentableValueException.class)
        .hasMessage("the numeric value 1.005 does not fit DECIMAL(10, 2)");
  }

  @Test
  void numericsCarriedAsTextKeepPostgresText() {
    assertConvertedAsBefore(
        PgValueKind.NUMERIC_TEXT,
        STRING,
        List.of(
            "12345678901234567890123456789012345678901.123",
            "NaN",
            "Infinity",
            "-Infinity",
            "0.000",
            "0",
            "-0.0000000001",
            "9999900",
            "0.10",
            // not as PostgreSQL prints them: CanonicalText's spelling
            "-0.000",
            "007",
            "1e-20",
            "nan",
            "+5"));
    assertThat(decoder(PgValueKind.NUMERIC_TEXT, STRING).decode("1.50"))
        .isEqualTo(StringData.fromString("1.50"));
  }

  @Test
  void textIsKeptByteForByte() {
    PgTextDecoder decoder = decoder(PgValueKind.TEXT, STRING);
    for (String text : List.of("", "trail  ", "  ", "𝄞 4-byte 😀", "{\"b\": 1,  \"a\":2}")) {
      assertThat(decoder.decode(text)).isEqualTo(StringData.fromString(text));
    }
  }

  @Test
  void byteaIsReadFromHexAndEscapeFormat() {
    PgTextDecoder decoder = decoder(PgValueKind.BYTEA, new VarBinaryType(VarBinaryType.MAX_LENGTH));
    assertThat(decoder.decode("\\x00ff")).isEqualTo(new byte[] {0, (byte) 0xff});
    assertThat(decoder.decode("\\xDEADbeef"))
        .isEqualTo(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef});
    assertThat(decoder.decode("\\x")).isEqualTo(new byte[0]);
    assertThat(decoder.decode("a\\\\b\\001\\377"))
        .isEqualTo(new byte[] {'a', '\\', 'b', 1, (byte) 0xff});
    assertThatThrownBy(() -> decoder.decode("\\x0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a PostgreSQL bytea: \\x0");
  }

  @Test
  void datesAndTimestampsAreAsBefore() {
    assertConvertedAsBefore(
        PgValueKind.DATE,
        new DateType(),
        List.of(
            "2024-02-29",
            "1970-01-01",
            "1969-12-31",
            "0001-01-01",
            "0001-01-01 BC",
            "4713-01-01 BC",
            "5874897-12-31",
            "infinity",
            "-infinity"));
    assertConvertedAsBefore(
        PgValueKind.TIMESTAMP,
        new TimestampType(6),
        List.of(
            "2024-03-10 02:30:00.000001",
            "4713-01-01 00:00:00.123 BC",
            "294276-12-31 23:59:59.999",
            "1970-01-01 00:00:00",
            "1969-12-31 23:59:59.999999",
            "0001-01-01 00:00:00 BC",
            "2024-06-30 13:14:15.5",
            "infinity",
            "-infinity",
            // not as PostgreSQL prints them
            "2024-06-30T13:14:15"));
    assertConvertedAsBefore(
        PgValueKind.TIMESTAMPTZ,
        new LocalZonedTimestampType(6),
        List.of(
            "2024-01-01 08:00:00.000001+00",
            "2024-06-30 20:44:15.161718+00",
            "4713-01-01 00:00:00+00 BC",
            "294276-12-31 23:59:59+00",
            "1970-01-01 00:00:00+00",
            "2024-06-30 13:14:15.161718-07:30",
            "2024-06-30 13:14:15+05:45",
            "1883-11-18 12:00:00-05:17:32",
            "infinity",
            "-infinity"));
  }

  @Test
  void malformedDatesAreRefusedAsBefore() {
    for (String text : List.of("2024-02-30", "2024-13-01", "24-01-01", "2024-01-01 junk")) {
      assertThatThrownBy(() -> decoder(PgValueKind.DATE, new DateType()).decode(text))
          .as(text)
          .isInstanceOf(RuntimeException.class);
    }
    assertThatThrownBy(
            () ->
                decoder(PgValueKind.TIMESTAMP, new TimestampType(6))
                    .decode("2024-01-01 10:00:00+00"))
        .hasMessage("a timestamp without time zone has an offset: 2024-01-01 10:00:00+00");
    assertThatThrownBy(
            () ->
                decoder(PgValueKind.TIMESTAMPTZ, new LocalZonedTimestampType(6))
                    .decode("2024-01-01 10:00:00"))
        .hasMessage("a timestamp with time zone has no offset: 2024-01-01 10:00:00");
  }

  @Test
  void randomDatesAndTimestampsAreAsBefore() {
    Random random = new Random(7);
    List<String> dates = new ArrayList<>();
    List<String> timestamps = new ArrayList<>();
    List<String> withZone = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      long second = random.nextLong() % (300_000L * 365 * 86_400);
      int micros = random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000);
      LocalDateTime t = LocalDateTime.ofEpochSecond(second, micros * 1000, ZoneOffset.UTC);
      dates.add(PgText.date(t.toLocalDate()));
      timestamps.add(PgText.timestamp(t));
      int offsetMinutes = random.nextInt(2 * 15 * 60) - 15 * 60;
      String zone =
          String.format(
              "%s%02d%s",
              offsetMinutes < 0 ? "-" : "+",
              Math.abs(offsetMinutes) / 60,
              Math.abs(offsetMinutes) % 60 == 0
                  ? ""
                  : String.format(":%02d", Math.abs(offsetMinutes) % 60));
      String text = PgText.timestamp(t);
      withZone.add(
          text.endsWith(" BC") ? text.substring(0, text.length() - 3) + zone + " BC" : text + zone);
    }
    assertConvertedAsBefore(PgValueKind.DATE, new DateType(), dates);
    assertConvertedAsBefore(PgValueKind.TIMESTAMP, new TimestampType(6), timestamps);
    assertConvertedAsBefore(PgValueKind.TIMESTAMPTZ, new LocalZonedTimestampType(6), withZone);
  }

  @Test
  void randomNumericsAreAsBefore() {
    Random random = new Random(11);
    List<String> scale2 = new ArrayList<>();
    List<String> scale4 = new ArrayList<>();
    List<String> text = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      BigDecimal v2 = BigDecimal.valueOf(random.nextLong() % 1_000_000_000_000L, 2);
      BigDecimal v4 = BigDecimal.valueOf(random.nextLong() % 1_000_000_000_000_000_000L, 4);
      scale2.add(v2.toPlainString());
      scale4.add(v4.toPlainString());
      text.add(BigDecimal.valueOf(random.nextLong(), random.nextInt(40) - 10).toPlainString());
    }
    assertConvertedAsBefore(PgValueKind.NUMERIC, new DecimalType(12, 2), scale2);
    assertConvertedAsBefore(PgValueKind.NUMERIC, new DecimalType(18, 4), scale4);
    assertConvertedAsBefore(PgValueKind.NUMERIC, new DecimalType(30, 4), scale4);
    assertConvertedAsBefore(PgValueKind.NUMERIC_TEXT, STRING, text);
  }

  @Test
  void timeKeepsMicrosecondsAndTwentyFourOClock() {
    assertConvertedAsBefore(
        PgValueKind.TIME,
        STRING,
        List.of(
            "24:00:00",
            "00:00:00",
            "00:00:00.000001",
            "12:34:56.789",
            "13:14:15.161718",
            // not as PostgreSQL prints them
            "12:34:56.780",
            "12:34:56.7800000"));
    assertThat(decoder(PgValueKind.TIME, STRING).decode("24:00:00"))
        .isEqualTo(StringData.fromString("24:00:00"));
  }

  @Test
  void timeWithTimeZoneIntervalsAndArraysAreAsBefore() {
    assertConvertedAsBefore(
        PgValueKind.TIMETZ,
        STRING,
        List.of("24:00:00-15:59", "12:34:56.123456+05:30", "00:00:00+00", "13:14:15.161718-07:30"));
    assertConvertedAsBefore(
        PgValueKind.INTERVAL,
        STRING,
        List.of(
            "1 year 2 mons -3 days +04:05:06.789",
            "178000000 years",
            "-178000000 years",
            "-1 days +02:03:04",
            "00:00:00",
            "-00:00:00.000001"));
    LogicalType string = STRING;
    PgTextDecoder ints = PgTextDecoder.of(PgValueKind.ARRAY, Optional.of(PgValueKind.INT4), string);
    assertThat(ints.decode("{1,NULL,-3,2147483647}"))
        .isEqualTo(
            converted(PgValueKind.ARRAY, PgValueKind.INT4, string, "{1,NULL,-3,2147483647}"));
    PgTextDecoder texts =
        PgTextDecoder.of(PgValueKind.ARRAY, Optional.of(PgValueKind.TEXT), string);
    String quoted = "{\"a b\",NULL,\"\",\"q\\\"x\",\"NULL\",\"😀\",\"{}\",\"a,b\"}";
    assertThat(texts.decode(quoted))
        .isEqualTo(converted(PgValueKind.ARRAY, PgValueKind.TEXT, string, quoted));
  }

  @Test
  void timestampsAreTheInstantsOfTheirText() {
    assertThat(
            decoder(PgValueKind.TIMESTAMPTZ, new LocalZonedTimestampType(6))
                .decode("2024-01-01 10:00:00.000001+02"))
        .isEqualTo(TimestampData.fromEpochMillis(1_704_096_000_000L, 1000));
    assertThat(decoder(PgValueKind.TIMESTAMP, new TimestampType(6)).decode("infinity"))
        .isEqualTo(TimestampData.fromEpochMillis(PgText.TIMESTAMP_INFINITY_MILLIS));
  }

  @Test
  void valuesAreReadFromTheirByteRange() {
    byte[] bytes = "xx-42yy".getBytes(StandardCharsets.UTF_8);
    assertThat(decoder(PgValueKind.INT4, new IntType()).decode(bytes, 2, 3)).isEqualTo(-42);
    assertThat(decoder(PgValueKind.TEXT, STRING).decode(bytes, 2, 3))
        .isEqualTo(StringData.fromString("-42"));
  }

  @Test
  void aKindIsOnlyDecodedIntoTheFlinkTypeThatCarriesIt() {
    assertThatThrownBy(() -> decoder(PgValueKind.INT4, new BigIntType()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("values of kind INT4 are not carried as BIGINT");
    assertThatThrownBy(() -> decoder(PgValueKind.ARRAY, STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("only arrays have an element kind");
  }
}
