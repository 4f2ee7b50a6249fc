package dev.mzflink.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SlotNamesTest {
  @Test
  void plainNamesReadAsTheyAre() {
    assertThat(SlotNames.perTable("mz_source", "public", "orders", Optional.empty()))
        .isEqualTo("materialize_mz_source_public_orders");
    assertThat(SlotNames.perSource("mz_source", Optional.of("prod")))
        .isEqualTo("materialize_mz_source_prod");
  }

  @Test
  void namesAreLowercaseAlphanumericAndHashedWhenChanged() {
    String a = SlotNames.perTable("S", "public", "Mixed Case", Optional.empty());
    String b = SlotNames.perTable("s", "public", "mixed case", Optional.empty());
    assertThat(a).matches("materialize_[a-z0-9_]+").startsWith("materialize_s_public_mixed_case_");
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void longNamesLeaveRoomForTheConnectorsSubtaskSuffix() {
    String name =
        SlotNames.perTable(
            "source",
            "a_very_long_schema_name",
            "an_even_longer_table_name_for_testing",
            Optional.of("x"));
    assertThat(name.length()).isLessThanOrEqualTo(SlotNames.MAX_LENGTH - 5);
    assertThat(name).matches("materialize_[a-z0-9_]+_[0-9a-f]{8}");
    assertThat(
            SlotNames.perTable(
                "source",
                "a_very_long_schema_name",
                "an_even_longer_table_name_for_testing",
                Optional.of("y")))
        .isNotEqualTo(name);
  }
}
