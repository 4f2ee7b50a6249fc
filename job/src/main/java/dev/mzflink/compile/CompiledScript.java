package dev.mzflink.compile;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.pg.PasswordFiles;
import dev.mzflink.pg.PgIntrospector;
import dev.mzflink.plan.PlanResult;
import dev.mzflink.plan.Planner;
import dev.mzflink.plan.PurifiedSource;
import dev.mzflink.plan.Purifier;
import dev.mzflink.sql.Parser;
import dev.mzflink.sql.Statement;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.TranslateOptions;
import dev.mzflink.translate.Translator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A script taken through parse, purify, plan and translate. */
public record CompiledScript(
    String text, List<Statement> statements, PlanResult plan, FlinkPlan flinkPlan) {
  public CompiledScript {
    requireNonNull(text, "text is null");
    statements = List.copyOf(statements);
    requireNonNull(plan, "plan is null");
    requireNonNull(flinkPlan, "flinkPlan is null");
  }

  public static CompiledScript compile(String text, TranslateOptions options) {
    return compile(text, options, PgIntrospector::introspect);
  }

  public static CompiledScript compile(
      String text, TranslateOptions options, Purifier.Introspector introspector) {
    List<Statement> statements = Parser.parse(text);
    Map<Integer, PurifiedSource> purified =
        Purifier.purify(
            statements,
            System.getenv(),
            System.getProperty("user.name", "postgres"),
            PasswordFiles.forProcess(),
            introspector);
    PlanResult plan = Planner.plan(statements, purified);
    FlinkPlan flinkPlan = Translator.translate(plan.catalog(), options);
    return new CompiledScript(text, statements, plan, flinkPlan);
  }

  /** The sources still in the catalog at the end of the script. */
  public List<Source> sources() {
    return new ArrayList<>(plan.catalog().sources());
  }
}
