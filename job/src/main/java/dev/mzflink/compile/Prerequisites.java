package dev.mzflink.compile;

import dev.mzflink.UserError;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.PgServerFacts;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.doctor.Doctor;
import dev.mzflink.doctor.Problem;
import dev.mzflink.doctor.SourceCheck;
import dev.mzflink.pg.PgIntrospector;
import dev.mzflink.plan.PlanResult;
import dev.mzflink.plan.Planner;
import dev.mzflink.plan.Purifier;
import dev.mzflink.sql.Parser;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
import dev.mzflink.translate.SlotNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The doctor's edge: reads each source's server once ({@link PgIntrospector#serverFacts}), plans
 * the script to learn which tables and slots it uses, and hands everything to the pure {@link
 * Doctor}. Used by {@code mzflink check} and at the start of {@code mzflink run}.
 */
public final class Prerequisites {
  private Prerequisites() {}

  /** Every problem of the script's sources; parse errors of the script are thrown. */
  public static List<Problem> check(
      String text, Doctor.Reading reading, Optional<String> slotSuffix) {
    List<Statement> statements = Parser.parse(text);
    Map<String, String> environment = System.getenv();
    String osUser = System.getProperty("user.name", "postgres");
    List<Problem> problems = new ArrayList<>();
    Map<Integer, PgServerFacts> facts = new LinkedHashMap<>();
    Map<Integer, ConnectionInfo> connections = new LinkedHashMap<>();
    boolean complete = true;
    for (Statement statement : statements) {
      if (!(statement instanceof Statement.CreateSource create)) {
        continue;
      }
      String source =
          Quote.pgIdentifier(create.name().parts().get(create.name().parts().size() - 1));
      try {
        ConnectionInfo info =
            ConnectionInfo.parse(create.connectionInfo()).withDefaults(environment, osUser);
        connections.put(create.position().offset(), info);
        try {
          facts.put(
              create.position().offset(), PgIntrospector.serverFacts(info, create.publication()));
        } catch (UserError e) {
          problems.add(Doctor.unreachable(source, info.redacted(), e));
          complete = false;
        }
      } catch (UserError e) {
        problems.add(
            Doctor.scriptError(e.withPosition(create.position()).render(Optional.of(text))));
        complete = false;
      }
    }
    complete = complete && facts.values().stream().allMatch(f -> f.publication().isPresent());
    Optional<PlanResult> plan = Optional.empty();
    if (complete) {
      try {
        plan =
            Optional.of(
                Planner.plan(
                    statements, Purifier.purify(statements, environment, osUser, inOrder(facts))));
      } catch (UserError e) {
        problems.add(Doctor.scriptError(e.render(Optional.of(text))));
      }
    }
    List<SourceCheck> checks = new ArrayList<>();
    for (Statement statement : statements) {
      if (!(statement instanceof Statement.CreateSource create)
          || !facts.containsKey(create.position().offset())) {
        continue;
      }
      PgServerFacts f = facts.get(create.position().offset());
      ConnectionInfo info = connections.get(create.position().offset());
      List<PgTable> tables;
      String sourceName;
      if (plan.isPresent()) {
        Optional<Source> source =
            plan.get().catalog().sources().stream()
                .filter(s -> s.createdBy().position().offset() == create.position().offset())
                .findFirst();
        if (source.isEmpty()) {
          continue; // IF NOT EXISTS of an existing source, or dropped later in the script
        }
        sourceName = source.get().name().name();
        tables = new ArrayList<>();
        for (TableView view : plan.get().catalog().tableViewsOf(source.get().name())) {
          if (!tables.contains(view.upstream())) {
            tables.add(view.upstream());
          }
        }
      } else {
        sourceName = create.name().parts().get(create.name().parts().size() - 1);
        tables = f.publication().map(p -> p.tables()).orElse(List.of());
      }
      List<String> slots = new ArrayList<>();
      if (!tables.isEmpty()) {
        if (reading == Doctor.Reading.ONE_SLOT_PER_SOURCE) {
          slots.add(SlotNames.perSource(sourceName, slotSuffix));
        } else {
          for (PgTable t : tables) {
            slots.add(SlotNames.perTable(sourceName, t.schema(), t.name(), slotSuffix));
          }
        }
      }
      checks.add(
          new SourceCheck(
              Quote.pgIdentifier(sourceName),
              info.host() + ":" + info.port(),
              info.redacted(),
              create.publication(),
              f,
              tables,
              slots,
              slots.size()));
    }
    problems.addAll(Doctor.check(checks, reading));
    return problems;
  }

  /** An introspector that answers each CREATE SOURCE from the facts read for it. */
  private static Purifier.Introspector inOrder(Map<Integer, PgServerFacts> facts) {
    List<PgServerFacts> inOrder = new ArrayList<>(facts.values());
    int[] next = {0};
    return (info, publication) -> {
      PgServerFacts f = inOrder.get(next[0]++);
      return f.upstream()
          .orElseThrow(
              () -> new IllegalStateException("publication " + publication + " was not read"));
    };
  }
}
