package dev.mzflink.testing;

import dev.mzflink.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs mzflink's real command line in this JVM and keeps what it printed. */
public final class CommandLines {
  private CommandLines() {}

  /** A command's exit code and what it printed. */
  public record Outcome(int code, String out, String err) {
    /** Standard output, then standard error. */
    public String all() {
      return out + err;
    }
  }

  /** Runs {@code mzflink ARGS...} (as {@link Main#commandLine()} parses them). */
  public static Outcome run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Outcome(code, out.toString(), err.toString());
  }
}
