package dev.mzflink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.translate.TranslateOptions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Options holding the results URL print without its password (issue 18 item 3). */
class OptionsToStringTest {
  private static final String URL =
      "jdbc:postgresql://db:5432/results?user=mz&password=tostring-pw-91&ssl=true";

  @Test
  void runOptionsHideTheResultsPassword() {
    RunOptions options =
        new RunOptions(URL, Optional.empty(), Duration.ofSeconds(2), 1, Optional.empty(), "job");
    assertThat(options.toString())
        .doesNotContain("tostring-pw-91")
        .contains("resultsUrl=jdbc:postgresql://db:5432/results?user=mz&password=<secret>&ssl=true")
        .contains("checkpointInterval=PT2S");
  }

  @Test
  void translateOptionsHideTheResultsPassword() {
    assertThat(new TranslateOptions(URL, Optional.of("x")).toString())
        .doesNotContain("tostring-pw-91")
        .contains("password=<secret>");
  }
}
