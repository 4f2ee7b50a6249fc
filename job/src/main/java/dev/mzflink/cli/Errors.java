package dev.mzflink.cli;

import dev.mzflink.Redaction;
import dev.mzflink.UserError;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns exceptions into mzflink's exit codes: 1 for user errors, 2 for internal errors. */
final class Errors implements IExecutionExceptionHandler {
  static final int OK = 0;
  static final int USER_ERROR = 1;
  static final int INTERNAL_ERROR = 2;

  /** The script text of the command that failed, to print the offending line. */
  private static final ThreadLocal<String> SCRIPT = new ThreadLocal<>();

  static void script(String text) {
    SCRIPT.set(text);
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
    UserError user = userError(e);
    if (user != null) {
      cli.getErr().println("error: " + user.render(Optional.ofNullable(SCRIPT.get())));
      return USER_ERROR;
    }
    cli.getErr().println("internal error: " + Redaction.text(e.toString()));
    cli.getErr()
        .println(
            "This is a bug in mzflink. The log has the details: "
                + System.getProperty("mzflink.log.file", "(no log file)"));
    org.slf4j.LoggerFactory.getLogger(Errors.class).error("Internal error", e);
    return INTERNAL_ERROR;
  }

  /** The user error behind {@code e}, if it is one (Flink wraps exceptions several times). */
  static UserError userError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UserError u) {
        return u;
      }
    }
    return null;
  }
}
