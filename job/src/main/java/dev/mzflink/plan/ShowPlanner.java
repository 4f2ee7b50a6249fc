package dev.mzflink.plan;

import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.sql.QualifiedName;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement.CreateSource;
import dev.mzflink.sql.Statement.CreateView;
import dev.mzflink.sql.Statement.Show;
import dev.mzflink.sql.StatementPrinter;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans SHOW statements: their answers, as psql would print Materialize's, from the catalog so far
 * (passwords redacted).
 */
final class ShowPlanner implements StatementPlanner<Show> {
  @Override
  public void plan(Show s, PlanningState state) {
    String text = StatementPrinter.print(s);
    switch (s.kind()) {
      case SOURCES -> {
        String schema = showSchema(s, state.catalog());
        List<List<String>> rows = new ArrayList<>();
        for (Source source : state.catalog().sources()) {
          if (source.name().schema().equals(schema)) {
            rows.add(
                s.full()
                    ? List.of(
                        source.name().name(), "user", source.materialized() ? "true" : "false")
                    : List.of(source.name().name()));
          }
        }
        state.output(
            new ShowOutput(
                text, s.full() ? List.of("name", "type", "materialized") : List.of("name"), rows));
      }
      case VIEWS -> {
        String schema = showSchema(s, state.catalog());
        List<List<String>> rows = new ArrayList<>();
        for (CatalogEntry entry : state.catalog().entries()) {
          boolean materialized;
          if (entry instanceof TableView view) {
            materialized = view.materialized();
          } else if (entry instanceof View view) {
            materialized = view.materialized();
          } else {
            continue;
          }
          if (entry.name().schema().equals(schema) && (!s.materialized() || materialized)) {
            rows.add(
                s.full()
                    ? List.of(entry.name().name(), "user", materialized ? "true" : "false")
                    : List.of(entry.name().name()));
          }
        }
        state.output(
            new ShowOutput(
                text, s.full() ? List.of("name", "type", "materialized") : List.of("name"), rows));
      }
      case SCHEMAS ->
          state.output(
              new ShowOutput(
                  text,
                  List.of("name"),
                  state.catalog().schemas().stream().map(List::of).toList()));
      case CREATE_SOURCE -> {
        Source source =
            CatalogNames.source(state.catalog(), s.target().orElseThrow(), s.position());
        CreateSource c = source.createdBy();
        CreateSource redacted =
            new CreateSource(
                c.name(),
                c.materialized(),
                false,
                source.connection().redacted(),
                c.publication(),
                c.position());
        state.output(
            new ShowOutput(
                text,
                List.of("Source", "Create Source"),
                List.of(
                    List.of(
                        source.name().quoted(),
                        StatementPrinter.print(redacted)
                            .replace(c.name().quoted(), source.name().quoted())))));
      }
      case CREATE_VIEW -> {
        ObjectName name = CatalogNames.resolveExisting(s.target().orElseThrow(), s.position());
        CatalogEntry entry =
            state
                .catalog()
                .get(name)
                .orElseThrow(
                    () ->
                        UserError.at(
                            s.position(), String.format("view %s does not exist", name.quoted())));
        if (entry instanceof View view) {
          CreateView c = view.createdBy();
          String create =
              StatementPrinter.print(
                  new CreateView(
                      new QualifiedName(List.of(view.name().schema(), view.name().name())),
                      c.materialized(),
                      false,
                      c.query(),
                      c.position()));
          state.output(
              new ShowOutput(
                  text,
                  List.of("View", "Create View"),
                  List.of(List.of(view.name().quoted(), create))));
          return;
        }
        if (!(entry instanceof TableView view)) {
          throw UserError.at(s.position(), String.format("%s is not a view", name.quoted()));
        }
        String create =
            String.format(
                "CREATE VIEWS FROM SOURCE %s (%s AS %s)",
                view.source().quoted(), view.upstream().qualifiedName(), view.name().quoted());
        state.output(
            new ShowOutput(
                text,
                List.of("View", "Create View"),
                List.of(List.of(view.name().quoted(), create))));
      }
      case COLUMNS -> {
        ObjectName name = CatalogNames.resolveExisting(s.target().orElseThrow(), s.position());
        CatalogEntry entry =
            state
                .catalog()
                .get(name)
                .orElseThrow(
                    () ->
                        UserError.at(
                            s.position(), String.format("unknown catalog item %s", name.quoted())));
        List<List<String>> rows = new ArrayList<>();
        if (entry instanceof TableView view) {
          for (PgColumn c : view.upstream().columns()) {
            rows.add(List.of(c.name(), c.notNull() ? "false" : "true", c.type().formatted()));
          }
        } else if (entry instanceof View view) {
          for (OutputColumn c : view.query().columns()) {
            rows.add(List.of(c.name(), c.nullable() ? "true" : "false", c.type().pgName()));
          }
        } else {
          throw UserError.at(
                  s.position(), String.format("%s is a source and has no columns", name.quoted()))
              .withHint("Show the columns of its views: SHOW COLUMNS FROM view.");
        }
        state.output(new ShowOutput(text, List.of("name", "nullable", "type"), rows));
      }
    }
  }

  private static String showSchema(Show s, Catalog catalog) {
    String schema = s.target().map(QualifiedName::name).orElse(Catalog.DEFAULT_SCHEMA);
    if (!catalog.hasSchema(schema)) {
      throw UserError.at(
          s.position(), String.format("schema %s does not exist", Quote.pgIdentifier(schema)));
    }
    return schema;
  }
}
