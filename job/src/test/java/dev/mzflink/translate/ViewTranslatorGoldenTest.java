package dev.mzflink.translate;

import dev.mzflink.UserError;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.plan.PlanResult;
import dev.mzflink.testing.FakeUpstream;
import dev.mzflink.testing.GoldenFile;
import dev.mzflink.translate.FlinkPlan.ResultsColumn;
import dev.mzflink.translate.FlinkPlan.ResultsTable;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Golden tests of CREATE [MATERIALIZED] VIEW: each case is a script of views over the fake
 * upstream's publication {@code views} (orders, items, customers and kinds, a table with a column
 * of every type); the output is each view's Flink SQL and, for materialized views, its results
 * table (PostgreSQL types and key), or the error as the command line prints it.
 */
class ViewTranslatorGoldenTest {
  static final String PREAMBLE =
      "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST 'host=127.0.0.1 port=5432 user=postgres dbname=app' PUBLICATION 'views';\n"
          + "CREATE VIEWS FROM SOURCE src;\n";

  private static final TranslateOptions OPTIONS =
      new TranslateOptions("jdbc:postgresql://results:5432/results", Optional.empty());

  @Test
  void viewsTranslateAsInTheGoldenFile() throws Exception {
    GoldenFile.check(GoldenFile.path("views.txt"), ViewTranslatorGoldenTest::run);
  }

  static String run(String directive, String input) {
    if (!directive.equals("view")) {
      throw new IllegalArgumentException("unknown directive " + directive);
    }
    String script = PREAMBLE + input;
    try {
      FlinkPlan plan = translate(script);
      StringBuilder out = new StringBuilder();
      List<String> views = FlinkSqlRenderer.views(plan);
      for (String view : views) {
        out.append(view).append(";\n");
      }
      for (ResultsTable table : plan.resultsTables()) {
        if (table.name().equals("orders")
            || table.name().equals("items")
            || table.name().equals("customers")
            || table.name().equals("kinds")) {
          continue;
        }
        out.append("-- results table ")
            .append(table.qualifiedName())
            .append(": ")
            .append(
                table.columns().stream()
                    .map(ViewTranslatorGoldenTest::column)
                    .collect(Collectors.joining(", ")))
            .append(
                table.primaryKey().isEmpty()
                    ? "; no key: rows kept with their count"
                    : "; key (" + String.join(", ", table.primaryKey()) + ")")
            .append('\n');
      }
      return out.toString();
    } catch (UserError e) {
      return "error: " + e.render(Optional.of(script)).replace(PREAMBLE, "");
    }
  }

  static FlinkPlan translate(String script) {
    Compilation compiled =
        ScriptCompiler.compile(
            script, OPTIONS, SourceReading.PER_TABLE_SQL, FakeUpstream.context());
    PlanResult plan = compiled.plan();
    return compiled.flinkPlan();
  }

  private static String column(ResultsColumn c) {
    return dev.mzflink.sql.Quote.pgIdentifier(c.name()) + " " + c.pgType();
  }

  /** The views of a script, for other tests. */
  static List<View> views(String script) {
    Compilation compiled =
        ScriptCompiler.compile(
            script, OPTIONS, SourceReading.PER_TABLE_SQL, FakeUpstream.context());
    PlanResult plan = compiled.plan();
    return plan.catalog().views();
  }
}
