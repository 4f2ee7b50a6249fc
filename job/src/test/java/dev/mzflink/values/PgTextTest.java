package dev.mzflink.values;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.junit.jupiter.api.Test;

class PgTextTest {
  @Test
  void specialFloatingPointValuesUsePostgresSpelling() {
    assertThat(PgText.doubleText(Double.NaN)).isEqualTo("NaN");
    assertThat(PgText.doubleText(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    assertThat(PgText.doubleText(-0.0)).isEqualTo("-0.0");
    assertThat(PgText.floatText(Float.POSITIVE_INFINITY)).isEqualTo("Infinity");
  }

  @Test
  void datesBeforeTheCommonEraUseBc() {
    assertThat(PgText.date(LocalDate.of(0, 1, 1))).isEqualTo("0001-01-01 BC");
    assertThat(PgText.date(LocalDate.of(-43, 3, 15))).isEqualTo("0044-03-15 BC");
    assertThat(PgText.date(LocalDate.of(12345, 6, 7))).isEqualTo("12345-06-07");
    assertThat(PgText.timestamp(LocalDateTime.of(2024, 2, 29, 23, 59, 59, 123456000)))
        .isEqualTo("2024-02-29 23:59:59.123456");
  }

  @Test
  void timestampsArePaddedAndTheirFractionsLoseOnlyTrailingZeros() {
    assertThat(PgText.timestamp(LocalDateTime.of(5, 1, 2, 3, 4, 5)))
        .isEqualTo("0005-01-02 03:04:05");
    assertThat(PgText.timestamp(LocalDateTime.of(999, 12, 31, 0, 0, 0, 120_000_000)))
        .isEqualTo("0999-12-31 00:00:00.12");
    assertThat(PgText.timestamp(LocalDateTime.of(2024, 1, 1, 0, 0, 0, 50_000)))
        .isEqualTo("2024-01-01 00:00:00.00005");
    assertThat(PgText.timestamp(LocalDateTime.of(2024, 1, 1, 0, 0, 0, 1_000)))
        .isEqualTo("2024-01-01 00:00:00.000001");
    assertThat(PgText.timestamp(LocalDateTime.of(-99, 10, 9, 8, 7, 6, 100_000)))
        .isEqualTo("0100-10-09 08:07:06.0001 BC");
    assertThat(PgText.time(9, 8, 7, 600_000)).isEqualTo("09:08:07.6");
    assertThat(PgText.date(LocalDate.of(294276, 12, 31))).isEqualTo("294276-12-31");
  }

  @Test
  void fieldGettersProducePostgresTextInput() {
    GenericRowData row =
        GenericRowData.of(
            42L,
            DecimalData.fromBigDecimal(new BigDecimal("12345.67"), 10, 2),
            1.5e-7,
            new byte[] {0, (byte) 0xff},
            TimestampData.fromInstant(Instant.parse("2024-01-01T10:00:00.000001Z")),
            null);
    assertThat(PgText.getter(new BigIntType(), 0).getFieldOrNull(row)).isEqualTo("42");
    assertThat(PgText.getter(new DecimalType(10, 2), 1).getFieldOrNull(row)).isEqualTo("12345.67");
    assertThat(PgText.getter(new DoubleType(), 2).getFieldOrNull(row)).isEqualTo("1.5E-7");
    assertThat(PgText.getter(new VarBinaryType(10), 3).getFieldOrNull(row)).isEqualTo("\\x00ff");
    assertThat(PgText.getter(new LocalZonedTimestampType(6), 4).getFieldOrNull(row))
        .isEqualTo("2024-01-01 10:00:00.000001+00");
    assertThat(PgText.getter(new BigIntType(), 5).getFieldOrNull(row)).isNull();
  }
}
