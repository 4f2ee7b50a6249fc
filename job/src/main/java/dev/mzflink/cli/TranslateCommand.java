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
      Files.writeString(output.get(), sql, StandardCharsets.UTF_8);
    } else {
      spec.commandLine().getOut().print(sql);
      spec.commandLine().getOut().flush();
    }
    return Errors.OK;
  }
}
