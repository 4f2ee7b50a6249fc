package dev.mzflink.runtime.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.CanonicalText;
import dev.mzflink.values.FlinkValues;
import dev.mzflink.values.PgText;
import org.junit.jupiter.api.Test;

/** What mzflink's converter hands Flink CDC, and the error for a value a DECIMAL cannot hold. */
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
    assertThat(CanonicalText.timetz("24:00:00-15:59")).isEqualTo("24:00:00-15:59");
    assertThat(CanonicalText.timetz("12:34:56.123400+05:30")).isEqualTo("12:34:56.1234+05:30");
    assertThat(CanonicalText.timetz("00:00:00+00:00")).isEqualTo("00:00:00+00");
    assertThatThrownBy(() -> CanonicalText.timetz(java.time.OffsetTime.parse("10:00Z")))
        .hasMessage(
            "a time with time zone arrived as java.time.OffsetTime, which loses its offset or microseconds");
  }
}
