package dev.mzflink.translate;

import dev.mzflink.UserError;
import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.plan.PlanResult;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.testing.FakeUpstream;
import dev.mzflink.testing.GoldenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Golden tests of planning and translation against a fake upstream: {@code plan} prints notices and
 * SHOW output, {@code translate} prints the Flink SQL file; both print errors as the command line
 * does.
 */
class TranslatorGoldenTest {
  private static final TranslateOptions OPTIONS =
      new TranslateOptions(
          "jdbc:postgresql://results:5432/results?user=mz&password=hunter2", Optional.empty());

  @Test
  void scriptsPlanAndTranslateAsInTheGoldenFile() throws Exception {
    GoldenFile.check(GoldenFile.path("translator.txt"), TranslatorGoldenTest::run);
  }

  static String run(String directive, String input) {
    try {
      Compilation compiled =
          ScriptCompiler.compile(
              input, OPTIONS, SourceReading.PER_TABLE_SQL, FakeUpstream.context());
      PlanResult plan = compiled.plan();
      switch (directive) {
        case "plan" -> {
          StringBuilder out = new StringBuilder();
          plan.notices().forEach(n -> out.append("NOTICE: ").append(n).append('\n'));
          for (ShowOutput show : plan.outputs()) {
            out.append("> ").append(show.statement()).append('\n').append(show.render());
          }
          return out.length() == 0 ? "ok" : out.toString();
        }
        case "translate" -> {
          FlinkPlan flink = compiled.flinkPlan();
          return FlinkSqlRenderer.file(flink, "script.sql", false);
        }
        case "read" -> {
          // What the one-slot source carries of each table: read columns, then the others.
          StringBuilder out = new StringBuilder();
          for (FlinkPlan.SourceStream stream : compiled.flinkPlan().streams()) {
            for (FlinkPlan.StreamTable table : stream.tables()) {
              List<String> read = new ArrayList<>();
              List<String> unread = new ArrayList<>();
              for (int i = 0; i < table.columns().size(); i++) {
                (table.read().contains(i) ? read : unread).add(table.columns().get(i).name());
              }
              out.append(table.flinkName().quoted())
                  .append(": ")
                  .append(String.join(", ", read))
                  .append(unread.isEmpty() ? "" : " (not read: " + String.join(", ", unread) + ")")
                  .append('\n');
            }
          }
          return out.toString();
        }
        default -> throw new IllegalArgumentException("unknown directive " + directive);
      }
    } catch (UserError e) {
      return "error: " + e.render(Optional.of(input));
    }
  }
}
