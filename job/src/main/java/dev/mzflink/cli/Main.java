package dev.mzflink.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mzflink}: Materialize's PostgreSQL-source SQL on Apache Flink. Sets up logging and a
 * private temporary directory before anything from Flink loads, then runs a subcommand.
 */
@Command(
    name = "mzflink",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs Materialize's PostgreSQL-source SQL on Apache Flink.",
    subcommands = {
      RunCommand.class,
      TranslateCommand.class,
      CheckCommand.class,
      StatusCommand.class,
      RefreshCommand.class,
      WaitCommand.class,
      SlotsCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  public static void main(String[] args) {
    prepareProcess(args.length > 0 ? args[0] : "mzflink");
    int code = commandLine().execute(args);
    System.exit(code);
  }

  /** The command line with mzflink's error handling: exit 1 for user errors, 2 for the rest. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(new Errors());
    cli.setParameterExceptionHandler(
        (e, args) -> {
          // The message may quote an argument: a --results-url with its password.
          e.getCommandLine()
              .getErr()
              .println("error: " + dev.mzflink.Redaction.text(e.getMessage()));
          e.getCommandLine()
              .getErr()
              .println("Try: mzflink " + e.getCommandLine().getCommandName() + " --help");
          return Errors.USER_ERROR;
        });
    return cli;
  }

  /**
   * Log to a file only this user can read, with every secret hidden (the console stays for the
   * user), and give Flink's planner loader a private temporary directory (see {@link
   * ProcessSetup}).
   */
  static void prepareProcess(String command) {
    // JDBC turns timestamps without time zone into java.sql.Timestamp in the JVM's zone; in a zone
    // with daylight saving time, values in its gaps would move. UTC has none.
    java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
    Path base = Paths.get(System.getProperty("java.io.tmpdir"));
    ProcessSetup.privateTemporaryDirectory(base)
        .ifPresent(
            mine -> {
              System.setProperty("java.io.tmpdir", mine.toString());
              Runtime.getRuntime()
                  .addShutdownHook(
                      new Thread(() -> ProcessSetup.deleteTree(mine), "mzflink-tmp-cleanup"));
            });
    Path logDir =
        Paths.get(
            System.getenv()
                .getOrDefault(
                    "MZFLINK_LOG_DIR", System.getProperty("user.home") + "/.mzflink/log"));
    ProcessSetup.secureLogDirectory(logDir);
    System.setProperty(
        "mzflink.log.file", logDir.resolve("mzflink-" + safeFileName(command) + ".log").toString());
    RedactingLog.install();
  }

  /** A command name fit for a file name: the first argument may be anything. */
  static String safeFileName(String command) {
    return command.matches("[a-z]{1,20}") ? command : "mzflink";
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "mzflink "
            + (version == null ? "(development build)" : version)
            + ", Flink 1.20.3, Flink CDC 3.5.0"
      };
    }
  }
}
