package dev.mzflink.cli;

import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.doctor.Problem;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mzflink check SCRIPT}: checks the prerequisites of a script's sources against the real
 * servers and prints every problem with the SQL that fixes it. Exit 1 if any is an error.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Checks a script's upstream prerequisites (wal_level, REPLICATION, privileges, publication, replication slots and WAL"
            + " senders, replica identity, column types; with --per-table-slots also table names that are LIKE patterns of"
            + " others) and prints the SQL that fixes each problem. Exit 1 on errors.")
final class CheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ScriptSource script;

  @Option(
      names = "--slot-suffix",
      paramLabel = "SUFFIX",
      description = "As for run: appended to replication slot names.")
  Optional<String> slotSuffix;

  @Option(
      names = "--per-table-slots",
      description =
          "Check for the translated Flink SQL (one replication slot and WAL sender per table) instead of mzflink run.")
  boolean perTableSlots;

  @Override
  public Integer call() throws Exception {
    String text = script.read();
    List<Problem> problems =
        ScriptCompiler.compile(
                text,
                new TranslateOptions(TranslateCommand.DEFAULT_RESULTS_URL, slotSuffix),
                perTableSlots ? SourceReading.PER_TABLE_SQL : SourceReading.ONE_SLOT_PER_SOURCE,
                ProcessContext.compile())
            .problems();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean errors = problems.stream().anyMatch(Problem::isError);
    if (problems.isEmpty()) {
      out.println("All prerequisites are met.");
      out.flush();
      return Errors.OK;
    }
    (errors ? err : out).println(Problem.renderAll(problems));
    (errors ? err : out).flush();
    return errors ? Errors.USER_ERROR : Errors.OK;
  }
}
