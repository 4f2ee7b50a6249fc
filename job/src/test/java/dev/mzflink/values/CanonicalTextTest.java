package dev.mzflink.values;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.translate.PgValueKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PostgreSQL's interval text (IntervalStyle postgres) read into its fields and made canonical. */
class CanonicalTextTest {
  private static final long HOUR = 3_600_000_000L;

  private static void assertInterval(String text, long months, long days, long micros) {
    assertThat(CanonicalText.parseInterval(text))
        .as(text)
        .isEqualTo(new CanonicalText.Interval(months, days, micros));
    assertThat(CanonicalText.interval(text)).as(text).isEqualTo(text);
  }

  @Test
  void everyCombinationOfPartsIsReadWithEitherSign() {
    String[] positive = {"1 year", "2 mons", "3 days", "04:05:06.789"};
    String[] negative = {"-1 years", "-2 mons", "-3 days", "-04:05:06.789"};
    long[] months = {12, 2, 0, 0};
    long[] days = {0, 0, 3, 0};
    long[] micros = {0, 0, 0, 4 * HOUR + 5 * 60_000_000L + 6_789_000L};
    for (int mask = 1; mask < 16; mask++) {
      for (int sign : new int[] {1, -1}) {
        List<String> words = new ArrayList<>();
        long m = 0;
        long d = 0;
        long t = 0;
        for (int part = 0; part < 4; part++) {
          if ((mask & (1 << part)) != 0) {
            words.add(sign > 0 ? positive[part] : negative[part]);
            m += sign * months[part];
            d += sign * days[part];
            t += sign * micros[part];
          }
        }
        assertInterval(String.join(" ", words), m, d, t);
      }
    }
  }

  @Test
  void partsOfOtherSignsThanTheOnesBeforeThemAreReadAsPostgresPrintsThem() {
    assertInterval("1 year 2 mons -3 days +04:05:06.789", 14, -3, 4 * HOUR + 306_789_000L);
    assertInterval("-1 years -2 mons +3 days -04:05:06.789", -14, 3, -(4 * HOUR + 306_789_000L));
    assertInterval("-1 days +02:03:04", 0, -1, 2 * HOUR + 184_000_000L);
    assertInterval("3 days -00:00:00.000001", 0, 3, -1);
    assertInterval("-2 mons +1 day", -2, 1, 0);
    assertInterval("1 mon -1 days", 1, -1, 0);
  }

  @Test
  void theTimeSignCoversHoursMinutesSecondsAndFraction() {
    assertInterval("-00:00:01", 0, 0, -1_000_000L);
    assertInterval("-00:01:00", 0, 0, -60_000_000L);
    assertInterval("-01:02:03.5", 0, 0, -(HOUR + 123_500_000L));
    assertInterval("-00:00:00.000001", 0, 0, -1);
  }

  @Test
  void fractionsAreMicrosecondsWithoutTrailingZeros() {
    assertInterval("00:00:00.5", 0, 0, 500_000L);
    assertInterval("00:00:00.000001", 0, 0, 1);
    assertInterval("00:00:00.123456", 0, 0, 123_456L);
    assertInterval("00:00:59.999999", 0, 0, 59_999_999L);
    assertThat(CanonicalText.interval("00:00:00.500")).isEqualTo("00:00:00.5");
    assertThat(CanonicalText.interval("00:00:01.000000000")).isEqualTo("00:00:01");
    assertThatThrownBy(() -> CanonicalText.interval("00:00:00.0000001"))
        .hasMessage("more than microseconds: .0000001");
  }

  @Test
  void zeroIsTheTimeAlone() {
    assertInterval("00:00:00", 0, 0, 0);
    assertThat(CanonicalText.interval(" 00:00:00 ")).isEqualTo("00:00:00");
    assertThat(CanonicalText.formatInterval(0, 0, 0)).isEqualTo("00:00:00");
  }

  @Test
  void hoursGoPastADayAndToTheEndsOfPostgresRange() {
    assertInterval("24:00:00", 0, 0, 24 * HOUR);
    assertInterval("100:00:00", 0, 0, 100 * HOUR);
    assertInterval("2147483647:59:59", 0, 0, 2_147_483_647L * HOUR + 3_599_000_000L);
    assertInterval("2147483648:00:00", 0, 0, 2_147_483_648L * HOUR);
    assertInterval("2562047788:00:54.775807", 0, 0, Long.MAX_VALUE);
    assertInterval("-2562047788:00:54.775808", 0, 0, Long.MIN_VALUE);
    assertInterval("178956970 years 7 mons", Integer.MAX_VALUE, 0, 0);
    assertInterval("-178956970 years -8 mons", Integer.MIN_VALUE, 0, 0);
    assertInterval("2147483647 days", 0, Integer.MAX_VALUE, 0);
    assertInterval("-2147483648 days", 0, Integer.MIN_VALUE, 0);
    assertInterval(
        "-178956970 years -8 mons -2147483647 days -2562047788:00:54.775808",
        Integer.MIN_VALUE,
        Integer.MIN_VALUE + 1,
        Long.MIN_VALUE);
    assertThatThrownBy(() -> CanonicalText.interval("2562047788:00:54.775808"))
        .hasMessage("interval out of range: 2562047788:00:54.775808");
    assertThatThrownBy(() -> CanonicalText.interval("9999999999:00:00"))
        .hasMessage("interval out of range: 9999999999:00:00");
  }

  @Test
  void spellingsPostgresDoesNotPrintAreMadeCanonical() {
    assertThat(CanonicalText.interval("1 years 1 mons 1 days")).isEqualTo("1 year 1 mon 1 day");
    assertThat(CanonicalText.interval("+3 days +04:05:06")).isEqualTo("3 days 04:05:06");
    assertThat(CanonicalText.interval("14 mons")).isEqualTo("1 year 2 mons");
    assertThat(CanonicalText.interval("0 days")).isEqualTo("00:00:00");
  }

  @Test
  void infiniteIntervalsStayInfinite() {
    assertThat(CanonicalText.interval("infinity")).isEqualTo("infinity");
    assertThat(CanonicalText.interval("-infinity")).isEqualTo("-infinity");
    assertThat(CanonicalText.of(PgValueKind.ARRAY, PgValueKind.INTERVAL, "{infinity,-infinity}"))
        .isEqualTo("{infinity,-infinity}");
  }

  @Test
  void anIntervalInAnotherStyleIsAnError() {
    for (String text :
        List.of(
            "P1Y2M3DT4H5M6.789S", // iso_8601
            "PT0S",
            "+1-2 -3 +4:05:06.789", // sql_standard
            "1-2",
            "3 4:05:06",
            "4:05:06",
            "0",
            "@ 1 year 2 mons -3 days 4 hours 5 mins 6.789 secs ago", // postgres_verbose
            "@ 0",
            "",
            "1",
            "1 year 1 year",
            "1 day 1 mon",
            "04:05:06 1 day",
            "1 fortnight",
            "3  days",
            "1.5 days",
            "00:60:00",
            "00:00:60",
            "1:00:00",
            "00:00")) {
      assertThatThrownBy(() -> CanonicalText.interval(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "not an interval in IntervalStyle postgres (such as 1 year 2 mons -3 days +04:05:06.789),"
                  + " which every session that reads values as text sets: "
                  + text);
    }
  }

  @Test
  void arraysOfIntervalsHaveEveryElementCanonical() {
    assertThat(
            CanonicalText.of(
                PgValueKind.ARRAY,
                PgValueKind.INTERVAL,
                "{\"1 year 2 mons -3 days +04:05:06.789\",NULL,00:00:00,\"-00:00:00.000001\"}"))
        .isEqualTo("{\"1 year 2 mons -3 days +04:05:06.789\",NULL,00:00:00,-00:00:00.000001}");
    assertThat(CanonicalText.array("[0:1]={a,NULL}", String::toUpperCase))
        .isEqualTo("[0:1]={A,NULL}");
  }
}
