package dev.mzflink.compile;

import dev.mzflink.UserError;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.doctor.Doctor;
import dev.mzflink.doctor.Problem;
import dev.mzflink.doctor.SourceCheck;
import dev.mzflink.plan.PlanResult;
import dev.mzflink.plan.Planner;
import dev.mzflink.plan.PurifiedSource;
import dev.mzflink.sql.Parser;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import dev.mzflink.translate.Translator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one way from a script's text to a pipeline, for {@code run}, {@code check} and {@code
 * translate} alike: parse once, read each source's server once (its facts contain the publication),
 * then feed the same reading to the prerequisite doctor, the planner and the translator. Reaches
 * the outside world only through {@link CompileContext}.
 */
public final class ScriptCompiler {
  private ScriptCompiler() {}

  /**
   * Compiles {@code text}. A script that does not parse throws its {@link UserError}; every other
   * problem (a server that cannot be read, a failed prerequisite, an error in planning) is in the
   * result, so {@code check} can list them all.
   *
   * @param reading how the pipeline will read its sources, which decides the slots it needs
   */
  public static Compilation compile(
      String text, TranslateOptions options, SourceReading reading, CompileContext context) {
    List<Statement> statements = Parser.parse(text);
    List<SourceRead> reads = new ArrayList<>();
    for (Statement statement : statements) {
      if (statement instanceof Statement.CreateSource create) {
        reads.add(SourceRead.read(create, context));
      }
    }
    Optional<UserError> error = Optional.empty();
    Optional<PlanResult> plan = Optional.empty();
    Optional<FlinkPlan> flinkPlan = Optional.empty();
    try {
      plan = Optional.of(Planner.plan(statements, purified(reads)));
      if (reading == SourceReading.PER_TABLE_SQL) {
        Translator.checkPerTableNames(plan.get());
      }
      flinkPlan = Optional.of(Translator.translate(plan.get(), options));
    } catch (UserError e) {
      error = Optional.of(e);
    }
    List<Problem> problems = new ArrayList<>();
    boolean serversRead = true;
    for (SourceRead read : reads) {
      if (read.failure().isPresent() && read.connection().isPresent()) {
        problems.add(
            Doctor.unreachable(
                read.sourceName(), read.connection().get().redacted(), read.failure().get()));
        serversRead = false;
      } else if (read.failure().isPresent()) {
        problems.add(Doctor.scriptError(read.failure().get().render(Optional.of(text))));
        serversRead = false;
      } else if (read.facts().get().publication().isEmpty()) {
        serversRead = false;
      }
    }
    List<Problem> checked = Doctor.check(checks(reads, plan, flinkPlan, reading, options), reading);
    // A script that plans but does not translate has a problem the doctor names itself (a column
    // type mzflink cannot carry); otherwise the error is the script's.
    boolean named = plan.isPresent() && checked.stream().anyMatch(Problem::isError);
    if (serversRead && error.isPresent() && !named) {
      problems.add(Doctor.scriptError(error.get().render(Optional.of(text))));
    }
    problems.addAll(checked);
    return new Compilation(text, statements, reads, problems, plan, flinkPlan, error);
  }

  /**
   * The planner's input: every source read, with its publication. The first source that could not
   * be read, or whose publication is missing, is the planning error.
   */
  private static Map<Integer, PurifiedSource> purified(List<SourceRead> reads) {
    Map<Integer, PurifiedSource> purified = new LinkedHashMap<>();
    for (SourceRead read : reads) {
      if (read.failure().isPresent()) {
        throw read.failure().get();
      }
      Statement.CreateSource create = read.statement();
      try {
        purified.put(
            create.position().offset(),
            new PurifiedSource(
                read.settled(), read.facts().get().requireUpstream(create.publication())));
      } catch (UserError e) {
        throw e.position().isPresent() ? e : e.withPosition(create.position());
      }
    }
    return purified;
  }

  /**
   * What the doctor checks for each source that was read: the tables and slots of the plan, or,
   * when the script could not be planned, every table of the publication.
   */
  private static List<SourceCheck> checks(
      List<SourceRead> reads,
      Optional<PlanResult> plan,
      Optional<FlinkPlan> flinkPlan,
      SourceReading reading,
      TranslateOptions options) {
    List<SourceCheck> checks = new ArrayList<>();
    for (SourceRead read : reads) {
      if (read.facts().isEmpty()) {
        continue;
      }
      String name;
      List<PgTable> tables;
      List<String> slots;
      if (plan.isPresent() && flinkPlan.isPresent()) {
        Optional<Source> source =
            plan.get().catalog().sources().stream()
                .filter(
                    s -> s.createdBy().position().offset() == read.statement().position().offset())
                .findFirst();
        if (source.isEmpty()) {
          continue; // IF NOT EXISTS of an existing source, or dropped later in the script
        }
        name = Quote.pgIdentifier(source.get().name().name());
        tables = new ArrayList<>();
        for (TableView view : plan.get().catalog().tableViewsOf(source.get().name())) {
          if (!tables.contains(view.upstream())) {
            tables.add(view.upstream());
          }
        }
        slots =
            flinkPlan.get().sources().stream()
                .filter(s -> s.name().equals(source.get().name()))
                .findFirst()
                .map(s -> s.slots(reading))
                .orElse(List.of());
      } else {
        name = read.sourceName();
        tables = read.facts().get().publication().map(p -> p.tables()).orElse(List.of());
        slots =
            tables.isEmpty()
                ? List.of()
                : Translator.slots(read.unquotedName(), tables, reading, options);
      }
      checks.add(
          new SourceCheck(
              name,
              read.connection().get().host() + ":" + read.connection().get().port(),
              read.connection().get().redacted(),
              read.statement().publication(),
              read.facts().get(),
              tables,
              slots,
              slots.size()));
    }
    return checks;
  }
}
