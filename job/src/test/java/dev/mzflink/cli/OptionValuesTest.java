package dev.mzflink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.testing.CommandLines;
import dev.mzflink.testing.CommandLines.Outcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values of run's size and duration options that do not fit (issue 18 item 9): exit 1 with a
 * message naming the flag, before anything connects; never an internal error.
 */
class OptionValuesTest {
  private static final String URL = "jdbc:postgresql://127.0.0.1:1/results?password=hunter2-opt";

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--wal-warning|99999999999999999999999GB|error: --wal-warning \"99999999999999999999999GB\" is too large",
        "--wal-warning|9999999999TB|error: --wal-warning \"9999999999TB\" is too large",
        "--wal-warning|9223372036854775807|error: --wal-warning \"9223372036854775807\" is too large",
        "--wal-warning|0GB|error: --wal-warning \"0GB\" is too small",
        "--wal-warning|lots|error: invalid --wal-warning \"lots\"",
        "--checkpoint-interval|99999999999999999999999h|error: --checkpoint-interval \"99999999999999999999999h\" is too long",
        "--checkpoint-interval|9223372036854775807ms|error: --checkpoint-interval \"9223372036854775807ms\" is too long",
        "--checkpoint-interval|9999999999999h|error: --checkpoint-interval \"9999999999999h\" is too long",
        "--checkpoint-interval|10ms|error: --checkpoint-interval \"10ms\" is too short",
        "--checkpoint-interval|soon|error: invalid --checkpoint-interval \"soon\"",
        "--stall-after|99999999999999999999min|error: --stall-after \"99999999999999999999min\" is too long",
      })
  void aValueThatDoesNotFitIsAUserErrorNamingTheFlag(String flag, String value, String message) {
    Outcome run =
        CommandLines.run(
            "run",
            "-e",
            "CREATE SOURCE s FROM POSTGRES HOST 'host=127.0.0.1 port=1' PUBLICATION 'p';",
            "--results-url",
            URL,
            flag,
            value);
    assertThat(run.code()).as(run.err()).isEqualTo(1);
    assertThat(run.err())
        .startsWith(message + "\n")
        .contains("HINT: ")
        .doesNotContain("internal error")
        .doesNotContain("Exception");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"1GB,1073741824", "4194304TB,4611686018427387904", "512kb,524288", "7,7"})
  void sizesInRange(String text, long bytes) {
    assertThat(RunCommand.Sizes.parse("--wal-warning", text)).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"100ms,100", "2s,2000", "1min,60000", "8760h,31536000000"})
  void durationsInRange(String text, long millis) {
    assertThat(RunCommand.Durations.parse("--checkpoint-interval", text).toMillis())
        .isEqualTo(millis);
  }
}
