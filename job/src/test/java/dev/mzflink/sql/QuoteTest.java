package dev.mzflink.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Comment text in generated Flink SQL cannot end the comment or the statement (item 5). */
class QuoteTest {
  @Test
  void commentTextHasNoLineBreakControlCharacterOrSemicolon() {
    String name = "a\nb\rc\u2028d\u2029e\u0085f\u000bg;h\\i\tj\u0000k\u200el";
    String comment = Quote.flinkComment(name);
    assertThat(comment)
        .isEqualTo("a\\nb\\rc\\u2028d\\u2029e\\u0085f\\u000bg\\u003bh\\\\i\\tj\\u0000k\\u200el");
    assertThat(comment.codePoints())
        .noneMatch(c -> Character.isISOControl(c) || c == ';' || c == 0x2028 || c == 0x2029);
  }

  @Test
  void plainTextStaysAsItIs() {
    assertThat(Quote.flinkComment("\"public\".\"orders\" as `public`.`orders`: primary key (id)"))
        .isEqualTo("\"public\".\"orders\" as `public`.`orders`: primary key (id)");
  }
}
