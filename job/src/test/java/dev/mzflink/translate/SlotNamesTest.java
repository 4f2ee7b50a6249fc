package dev.mzflink.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.UserError;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlotNamesTest {
  @Test
  void plainNamesReadAsTheyAre() {
    assertThat(SlotNames.perTable("mz_source", "public", "orders", Optional.empty()))
        .isEqualTo("materialize_mz_source_public_orders");
    assertThat(SlotNames.perSource("mz_source", Optional.empty()))
        .isEqualTo("materialize_mz_source");
    assertThat(SlotNames.perSource("mz_source", Optional.of("prod")))
        .isEqualTo("materialize_mz_source__prod");
  }

  @Test
  void namesAreLowercaseAlphanumericAndHashedWhenChanged() {
    String a = SlotNames.perTable("S", "public", "Mixed Case", Optional.empty());
    String b = SlotNames.perTable("s", "public", "mixed case", Optional.empty());
    assertThat(a).matches("materialize_[a-z0-9_]+").startsWith("materialize_s_public_mixed_case_");
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void longNamesLeaveRoomForTheSourcesTemporarySlot() {
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

  @Test
  void aSuffixNeverMakesOneSourcesSlotAnothersOrMatchesItsTemporarySlots() {
    String suffixed = SlotNames.perSource("src", Optional.of("2"));
    assertThat(suffixed).isEqualTo("materialize_src__2");
    assertThat(suffixed)
        .isNotEqualTo(SlotNames.perSource("src_2", Optional.empty()))
        .doesNotMatch("materialize_src_[0-9]+")
        .doesNotMatch("materialize_src_t");
    assertThat(SlotNames.perSource("src", Optional.of("prod")))
        .isNotEqualTo(SlotNames.perSource("src_prod", Optional.empty()))
        .isNotEqualTo(SlotNames.perSource("src", Optional.of("prod_2")));
    // A double underscore in a source's name is not kept: it could read as a suffix.
    assertThat(SlotNames.perSource("a__b", Optional.empty()))
        .doesNotContain("__")
        .isNotEqualTo(SlotNames.perSource("a", Optional.of("b")));
    assertThat(SlotNames.perSource("a_", Optional.of("b")))
        .isNotEqualTo(SlotNames.perSource("a", Optional.of("b")));
  }

  @Test
  void distinctSourcesAndSuffixesGiveDistinctStableNames() {
    Random random = new Random(42);
    String alphabet = "ab_ 9Z-";
    Map<String, List<Object>> seen = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      String source = randomText(random, alphabet, 1 + random.nextInt(70));
      Optional<String> suffix =
          random.nextBoolean()
              ? Optional.empty()
              : Optional.of(random.nextBoolean() ? "2" : random.nextBoolean() ? "b" : "b_9");
      String name = SlotNames.perSource(source, suffix);
      assertThat(name).matches("[a-z0-9_]+").hasSizeLessThanOrEqualTo(SlotNames.MAX_LENGTH - 5);
      assertThat(SlotNames.perSource(source, suffix)).isEqualTo(name);
      if (suffix.isEmpty()) {
        assertThat(name).as(source).doesNotContain("__");
      }
      List<Object> identity = List.of(source, suffix);
      List<Object> earlier = seen.putIfAbsent(name, identity);
      assertThat(earlier == null || earlier.equals(identity))
          .as("%s and %s both named %s", earlier, identity, name)
          .isTrue();
    }
  }

  private static String randomText(Random random, String alphabet, int length) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return out.toString();
  }

  @Test
  void suffixesOtherThanLowerCaseWordsAreRefusedNamingTheSuffix() {
    for (String bad : List.of("Prod", "eu-2", "_a", "a_", "a__b", "", "ü")) {
      assertThatThrownBy(() -> new TranslateOptions("jdbc:postgresql:r", Optional.of(bad)))
          .isInstanceOf(UserError.class)
          .hasMessageContaining("invalid slot suffix \"" + bad + "\"");
    }
    assertThatThrownBy(() -> SlotNames.checkSuffix("Eu-2"))
        .isInstanceOfSatisfying(
            UserError.class,
            e -> {
              assertThat(e.primary()).isEqualTo("invalid slot suffix \"Eu-2\"");
              assertThat(e.hint()).contains("Use --slot-suffix eu_2.");
            });
    SlotNames.checkSuffix("eu_2");
    SlotNames.checkSuffix("2");
  }
}
