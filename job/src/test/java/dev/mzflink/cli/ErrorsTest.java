package dev.mzflink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Exit codes and what reaches standard error: 1 and one message for a user error, 2 for a bug. */
class ErrorsTest {
  @Command(name = "failing")
  static final class Failing implements Callable<Integer> {
    private final RuntimeException failure;

    Failing(RuntimeException failure) {
      this.failure = failure;
    }

    @Override
    public Integer call() {
      Errors.script("CREATE SCHEMA s;\nDROP SCHEMA nope;\n");
      throw failure;
    }
  }

  private static String run(RuntimeException failure, int expectedExitCode) {
    CommandLine cli = new CommandLine(new Failing(failure));
    cli.setExecutionExceptionHandler(new Errors());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute()).isEqualTo(expectedExitCode);
    return err.toString();
  }

  @Test
  void aUserErrorExitsWithOneAndPrintsOneMessageWithTheSourceLine() {
    UserError error =
        UserError.at(new SourcePosition(17, 2, 1), "schema \"nope\" does not exist")
            .withHint("Create it first.");
    // However deeply wrapped (Flink wraps exceptions several times), it is still the user's error.
    String stderr =
        run(new RuntimeException("job failed", new IllegalStateException("wrapped", error)), 1);
    assertThat(stderr)
        .isEqualTo(
            "error: line 2:1: schema \"nope\" does not exist\nDROP SCHEMA nope;\n^\nHINT: Create it first.\n");
  }

  @Test
  void anInternalErrorExitsWithTwoWithoutAStackTrace() {
    String stderr = run(new IllegalStateException("CREATE SOURCE was not purified"), 2);
    assertThat(stderr)
        .startsWith(
            "internal error: java.lang.IllegalStateException: CREATE SOURCE was not purified\n")
        .contains("This is a bug in mzflink.")
        .doesNotContain("\tat ");
  }
}
