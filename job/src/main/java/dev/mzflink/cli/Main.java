package dev.mzflink.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
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
          e.getCommandLine().getErr().println("error: " + e.getMessage());
          e.getCommandLine()
              .getErr()
              .println("Try: mzflink " + e.getCommandLine().getCommandName() + " --help");
          return Errors.USER_ERROR;
        });
    return cli;
  }

  /**
   * Log to a file (the console stays for the user), and give Flink's planner loader a private
   * temporary directory: it unpacks a 41 MB jar there on every start and leaves it behind after
   * kill -9, so stale directories of dead processes are removed here.
   */
  static void prepareProcess(String command) {
    // JDBC turns timestamps without time zone into java.sql.Timestamp in the JVM's zone; in a zone
    // with daylight saving time, values in its gaps would move. UTC has none.
    java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
    Path logDir =
        Paths.get(
            System.getenv()
                .getOrDefault(
                    "MZFLINK_LOG_DIR", System.getProperty("user.home") + "/.mzflink/log"));
    System.setProperty(
        "mzflink.log.file", logDir.resolve("mzflink-" + command + ".log").toString());
    Path base = Paths.get(System.getProperty("java.io.tmpdir"));
    removeStaleTemporaryDirectories(base);
    try {
      Path mine = Files.createDirectories(base.resolve("mzflink-" + ProcessHandle.current().pid()));
      System.setProperty("java.io.tmpdir", mine.toString());
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> deleteTree(mine.toFile()), "mzflink-tmp-cleanup"));
    } catch (IOException e) {
      // keep the default temporary directory
    }
  }

  private static void removeStaleTemporaryDirectories(Path base) {
    File[] entries = base.toFile().listFiles((dir, name) -> name.matches("mzflink-\\d+"));
    if (entries == null) {
      return;
    }
    for (File entry : entries) {
      long pid = Long.parseLong(entry.getName().substring("mzflink-".length()));
      if (ProcessHandle.of(pid).isEmpty()) {
        deleteTree(entry);
      }
    }
  }

  static void deleteTree(File file) {
    File[] children = file.listFiles();
    if (children != null) {
      for (File child : children) {
        if (!Files.isSymbolicLink(child.toPath())) {
          deleteTree(child);
        } else {
          child.delete();
        }
      }
    }
    file.delete();
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
