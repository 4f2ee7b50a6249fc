package dev.mzflink.plan;

import dev.mzflink.UserError;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.sql.QualifiedName;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement.Drop;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Plans DROP SOURCE, VIEW and SCHEMA: the objects out of the catalog, with what depends on them
 * when CASCADE says so, and dropped sources recorded (their replication slots must go upstream).
 */
final class DropPlanner implements StatementPlanner<Drop> {
  @Override
  public void plan(Drop s, PlanningState state) {
    for (QualifiedName name : s.names()) {
      switch (s.kind()) {
        case SCHEMA -> dropSchema(name, s, state);
        case SOURCE, VIEW -> dropObject(name, s, state);
      }
    }
  }

  private static void dropSchema(QualifiedName name, Drop s, PlanningState state) {
    String schema = name.name();
    if (!state.catalog().hasSchema(schema)) {
      if (s.ifExists()) {
        state.notice(
            String.format("schema %s does not exist, skipping", Quote.pgIdentifier(schema)));
        return;
      }
      throw UserError.at(
          s.position(), String.format("schema %s does not exist", Quote.pgIdentifier(schema)));
    }
    List<CatalogEntry> inSchema =
        state.catalog().entries().stream().filter(e -> e.name().schema().equals(schema)).toList();
    if (!inSchema.isEmpty() && !s.cascade()) {
      throw UserError.at(
              s.position(),
              String.format(
                  "schema %s cannot be dropped without CASCADE while it contains objects",
                  Quote.pgIdentifier(schema)))
          .withDetail("It contains " + describe(inSchema) + ".")
          .withHint("Use DROP SCHEMA ... CASCADE to drop them too.");
    }
    for (CatalogEntry e : inSchema) {
      if (state.catalog().get(e.name()).isPresent()) {
        dropCascade(e, state);
      }
    }
    state.update(state.catalog().withoutSchema(schema));
  }

  private static void dropObject(QualifiedName name, Drop s, PlanningState state) {
    ObjectName resolved = CatalogNames.resolveExisting(name, s.position());
    CatalogEntry entry = state.catalog().get(resolved).orElse(null);
    String noun = s.kind().noun();
    if (entry == null) {
      if (s.ifExists()) {
        state.notice(String.format("%s %s does not exist, skipping", noun, name.quoted()));
        return;
      }
      throw UserError.at(s.position(), String.format("%s %s does not exist", noun, name.quoted()));
    }
    boolean kindMatches =
        switch (s.kind()) {
          case SOURCE -> entry instanceof Source;
          case VIEW -> entry instanceof TableView || entry instanceof View;
          case SCHEMA -> false;
        };
    if (!kindMatches) {
      throw UserError.at(s.position(), String.format("%s is not a %s", resolved.quoted(), noun))
          .withHint(String.format("Use DROP %s.", entry instanceof Source ? "SOURCE" : "VIEW"));
    }
    List<CatalogEntry> dependants = dependants(entry, state.catalog());
    if (!dependants.isEmpty() && !s.cascade()) {
      throw UserError.at(
              s.position(),
              String.format(
                  "cannot drop %s: still depended upon by %s",
                  resolved.quoted(), describe(dependants)))
          .withHint(
              String.format(
                  "Use DROP %s ... CASCADE to drop the dependent objects too.",
                  s.kind().keyword()));
    }
    dropCascade(entry, state);
  }

  private static void dropCascade(CatalogEntry entry, PlanningState state) {
    for (CatalogEntry dependant : dependants(entry, state.catalog())) {
      dropCascade(dependant, state);
    }
    state.update(state.catalog().without(entry.name()));
    if (entry instanceof Source source) {
      state.dropped(source);
    }
  }

  private static List<CatalogEntry> dependants(CatalogEntry entry, Catalog catalog) {
    List<CatalogEntry> out = new ArrayList<>();
    if (entry instanceof Source source) {
      out.addAll(catalog.tableViewsOf(source.name()));
    }
    for (View view : catalog.views()) {
      if (view.dependencies().contains(entry.name())) {
        out.add(view);
      }
    }
    return out;
  }

  private static String describe(List<CatalogEntry> entries) {
    return entries.stream()
        .map(e -> (e instanceof Source ? "source " : "view ") + e.name().quoted())
        .collect(Collectors.joining(", "));
  }
}
