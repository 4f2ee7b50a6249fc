package dev.mzflink.cli;

import dev.mzflink.UserError;
import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.translate.FlinkSqlRenderer;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import dev.mzflink.translate.Translator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mzflink translate SCRIPT}: prints the Flink SQL of a script for the SQL client. */
@Command(
    name = "translate",
    mixinStandardHelpOptions = true,
    description =
        "Prints the Flink SQL a script runs, for the Flink SQL client. Reads the upstream catalog.")
final class TranslateCommand implements Callable<Integer> {
  /** The results database the SQL file writes to when none is given. */
  static final String DEFAULT_RESULTS_URL = "jdbc:postgresql://localhost:5432/results";

  @Spec CommandSpec spec;

  @Mixin ScriptSource script;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the Flink SQL here instead of standard output.")
  Optional<Path> output;

  @Option(
      names = "--results-url",
      paramLabel = "JDBC_URL",
      defaultValue = DEFAULT_RESULTS_URL,
      description = "JDBC URL of the results database (default: ${DEFAULT-VALUE}).")
  String resultsUrl;

  @Option(
      names = "--slot-suffix",
      paramLabel = "SUFFIX",
      description = "Appended to replication slot names, to run two pipelines on one database.")
  Optional<String> slotSuffix;

  @Option(names = "--show-secrets", description = "Print passwords instead of a placeholder.")
  boolean showSecrets;

  @Override
  public Integer call() throws IOException {
    String text = script.read();
    Compilation compiled =
        ScriptCompiler.compile(
            text,
            new TranslateOptions(resultsUrl, slotSuffix),
            SourceReading.PER_TABLE_SQL,
            ProcessContext.compile());
    // The per-table SQL reads every row and column of each table in its snapshot: refuse what the
    // publication publishes only in part rather than translate it into silently different results.
    compiled.flinkPlan(); // the planning error first
    Optional<UserError> refusal = Translator.perTableRefusal(compiled.plan());
    if (refusal.isPresent()) {
      throw refusal.get();
    }
    PrintWriter err = spec.commandLine().getErr();
    compiled.plan().notices().forEach(n -> err.println("NOTICE: " + n));
    for (ShowOutput show : compiled.plan().outputs()) {
      err.println("-- " + show.statement());
      err.print(show.render());
    }
    String sql = FlinkSqlRenderer.file(compiled.flinkPlan(), script.name(), showSecrets);
    if (output.isPresent()) {
      try {
        writePrivately(output.get(), sql);
      } catch (java.io.IOException e) {
        throw dev.mzflink.UserError.of(
                "cannot write the Flink SQL to "
                    + output.get()
                    + ": "
                    + (e instanceof java.nio.file.NoSuchFileException
                        ? "no such directory"
                        : e instanceof java.nio.file.AccessDeniedException
                            ? "permission denied"
                            : String.valueOf(e.getMessage())))
            .withHint("Give -o a file in a directory that exists and that you can write.");
      }
    } else {
      spec.commandLine().getOut().print(sql);
      spec.commandLine().getOut().flush();
    }
    return Errors.OK;
  }

  /**
   * Writes {@code text} to {@code file}, readable by its owner only (mode 0600): with
   * --show-secrets it holds passwords. An existing file is made 0600 before it is written.
   */
  static void writePrivately(Path file, String text) throws java.io.IOException {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> ownerOnly =
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
    try {
      Files.createFile(
          file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(ownerOnly));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      Files.setPosixFilePermissions(file, ownerOnly);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its own permissions apply
    }
    Files.writeString(
        file,
        text,
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
        java.nio.file.StandardOpenOption.WRITE);
  }
}
