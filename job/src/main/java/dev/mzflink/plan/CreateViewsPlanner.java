package dev.mzflink.plan;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgPublication;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.sql.QualifiedName;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement.CreateViews;
import dev.mzflink.sql.Statement.ViewTarget;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Plans CREATE VIEWS FROM SOURCE: one view per upstream table of the source's publication (or per
 * table listed), named after the table or its alias.
 */
final class CreateViewsPlanner implements StatementPlanner<CreateViews> {
  @Override
  public void plan(CreateViews s, PlanningState state) {
    Source source = CatalogNames.source(state.catalog(), s.source(), s.position());
    PgPublication publication = source.publication();
    if (publication.tables().isEmpty()) {
      throw UserError.at(
              s.position(),
              String.format(
                  "publication %s contains no tables", Quote.pgIdentifier(publication.name())))
          .withHint(
              String.format(
                  "Add tables upstream: ALTER PUBLICATION %s ADD TABLE t1, t2; then create the source again.",
                  Quote.pgIdentifier(publication.name())));
    }
    // Upstream table -> downstream name, in the order given (or publication order).
    Map<ObjectName, PgTable> planned = new LinkedHashMap<>();
    Map<ObjectName, String> plannedFrom = new LinkedHashMap<>();
    if (s.targets().isEmpty()) {
      for (PgTable table : publication.tables()) {
        addTarget(
            state.catalog(),
            planned,
            plannedFrom,
            new ObjectName(table.schema(), table.name()),
            table,
            s.position(),
            false);
      }
    } else {
      for (ViewTarget target : s.targets()) {
        PgTable table = upstreamTable(publication, target);
        ObjectName name =
            target.alias().isPresent()
                ? CatalogNames.resolveNew(state.catalog(), target.alias().get(), target.position())
                : new ObjectName(table.schema(), table.name());
        addTarget(
            state.catalog(),
            planned,
            plannedFrom,
            name,
            table,
            target.position(),
            target.alias().isPresent());
      }
    }
    for (Map.Entry<ObjectName, PgTable> e : planned.entrySet()) {
      ObjectName name = e.getKey();
      if (state.catalog().get(name).isPresent()) {
        if (s.ifNotExists()) {
          state.notice(String.format("view %s already exists, skipping", name.quoted()));
          continue;
        }
        throw UserError.at(
                s.position(), String.format("catalog item %s already exists", name.quoted()))
            .withDetail(
                String.format(
                    "CREATE VIEWS would create it for upstream table %s.",
                    e.getValue().qualifiedName()))
            .withHint(
                "Leave the table out, rename it with AS, or write CREATE VIEWS IF NOT EXISTS to skip views that exist.");
      }
      state.update(
          state
              .catalog()
              .with(new TableView(name, source.name(), e.getValue(), source.materialized(), s)));
    }
  }

  private static void addTarget(
      Catalog catalog,
      Map<ObjectName, PgTable> planned,
      Map<ObjectName, String> plannedFrom,
      ObjectName name,
      PgTable table,
      SourcePosition at,
      boolean aliased) {
    if (!aliased) {
      CatalogNames.refuseReservedSchema(
          name,
          at,
          String.format(
              "Rename the table: CREATE VIEWS FROM SOURCE ... (%s AS %s).",
              table.qualifiedName(), Quote.pgIdentifier(table.name())));
    }
    if (!aliased && !catalog.hasSchema(name.schema())) {
      throw UserError.at(
              at, String.format("schema %s does not exist", Quote.pgIdentifier(name.schema())))
          .withDetail(
              String.format(
                  "CREATE VIEWS creates the view of %s in the schema of the same name.",
                  table.qualifiedName()))
          .withHint(
              String.format(
                  "Run CREATE SCHEMA %s; first, or rename the table: CREATE VIEWS FROM SOURCE ... (%s AS %s).",
                  Quote.pgIdentifier(name.schema()),
                  table.qualifiedName(),
                  Quote.pgIdentifier(table.name())));
    }
    if (planned.containsKey(name)) {
      throw UserError.at(
              at,
              String.format(
                  "upstream tables %s and %s would both become view %s",
                  plannedFrom.get(name), table.qualifiedName(), name.quoted()))
          .withHint("Rename one of them with AS.");
    }
    planned.put(name, table);
    plannedFrom.put(name, table.qualifiedName());
  }

  private static PgTable upstreamTable(PgPublication publication, ViewTarget target) {
    QualifiedName upstream = target.upstream();
    if (upstream.parts().size() > 2) {
      throw UserError.at(
          target.position(),
          String.format(
              "upstream table %s: give at most a schema and a table name", upstream.quoted()));
    }
    List<PgTable> matches =
        publication.tables().stream()
            .filter(t -> t.name().equals(upstream.name()))
            .filter(t -> upstream.schema().map(schema -> schema.equals(t.schema())).orElse(true))
            .toList();
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      throw UserError.at(
              target.position(),
              String.format(
                  "table %s is not in publication %s",
                  upstream.quoted(), Quote.pgIdentifier(publication.name())))
          .withDetail(
              "The publication contains: "
                  + publication.tables().stream()
                      .map(PgTable::qualifiedName)
                      .collect(Collectors.joining(", "))
                  + ".")
          .withHint(
              String.format(
                  "Add it upstream with ALTER PUBLICATION %s ADD TABLE %s; and create the source again.",
                  Quote.pgIdentifier(publication.name()), upstream.quoted()));
    }
    throw UserError.at(
            target.position(), String.format("table name %s is ambiguous", upstream.quoted()))
        .withDetail(
            "The publication contains "
                + matches.stream().map(PgTable::qualifiedName).collect(Collectors.joining(" and "))
                + ".")
        .withHint("Qualify the table with its schema.");
  }
}
