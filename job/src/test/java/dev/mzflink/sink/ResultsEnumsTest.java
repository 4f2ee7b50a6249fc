package dev.mzflink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.UserError;
import dev.mzflink.sink.ResultsEnums.Existing;
import dev.mzflink.translate.FlinkPlan.ResultsEnum;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsEnumsTest {
  private static final ResultsEnum MOOD =
      new ResultsEnum("public", "mood", List.of("meh", "sad", "calm", "ok", "happy", "ecstatic"));

  @Test
  void theSameLabelsNeedNothing() {
    assertThat(ResultsEnums.additions(MOOD, new Existing(MOOD.labels(), false))).isEmpty();
  }

  @Test
  void missingLabelsAreAddedInTheirUpstreamPlaces() {
    assertThat(ResultsEnums.additions(MOOD, new Existing(List.of("sad", "ok", "happy"), true)))
        .containsExactly(
            "ALTER TYPE \"public\".\"mood\" ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad'",
            "ALTER TYPE \"public\".\"mood\" ADD VALUE IF NOT EXISTS 'calm' BEFORE 'ok'",
            "ALTER TYPE \"public\".\"mood\" ADD VALUE IF NOT EXISTS 'ecstatic'");
  }

  @Test
  void aTypeMzflinkDidNotCreateIsNotChanged() {
    assertThatThrownBy(
            () -> ResultsEnums.additions(MOOD, new Existing(List.of("sad", "ok", "happy"), false)))
        .isInstanceOf(UserError.class)
        .hasMessage(
            "enum type \"public\".\"mood\" in the results database lacks label 'meh' that upstream"
                + " has");
  }

  @Test
  void labelsInAnotherOrderOrUnknownUpstreamAreRefused() {
    for (List<String> labels : List.of(List.of("ok", "sad"), List.of("sad", "ok", "joy"))) {
      assertThatThrownBy(() -> ResultsEnums.additions(MOOD, new Existing(labels, true)))
          .isInstanceOf(UserError.class)
          .hasMessageStartingWith(
              "enum type \"public\".\"mood\" in the results database has labels");
    }
  }
}
