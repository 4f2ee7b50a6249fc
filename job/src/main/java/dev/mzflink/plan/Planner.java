package dev.mzflink.plan;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.analyze.QueryAnalyzer;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgPublication;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.sql.QualifiedName;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
import dev.mzflink.sql.Statement.CreateSchema;
import dev.mzflink.sql.Statement.CreateSource;
import dev.mzflink.sql.Statement.CreateView;
import dev.mzflink.sql.Statement.CreateViews;
import dev.mzflink.sql.Statement.Drop;
import dev.mzflink.sql.Statement.Show;
import dev.mzflink.sql.Statement.ViewTarget;
import dev.mzflink.sql.StatementPrinter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Plans a script: applies its statements in order to a catalog, as Materialize would. A pure
 * function of the statements and the purified sources (keyed by the offset of their CREATE SOURCE
 * statement).
 */
public final class Planner implements Statement.Visitor<Void> {
  private Catalog catalog;
  private final Map<Integer, PurifiedSource> purified;
  private final List<String> notices = new ArrayList<>();
  private final List<ShowOutput> outputs = new ArrayList<>();
  private final List<Source> dropped = new ArrayList<>();

  private Planner(Catalog catalog, Map<Integer, PurifiedSource> purified) {
    this.catalog = catalog;
    this.purified = purified;
  }

  public static PlanResult plan(List<Statement> statements, Map<Integer, PurifiedSource> purified) {
    return plan(Catalog.empty(), statements, purified);
  }

  public static PlanResult plan(
      Catalog start, List<Statement> statements, Map<Integer, PurifiedSource> purified) {
    Planner planner = new Planner(start, Map.copyOf(purified));
    for (Statement statement : statements) {
      try {
        statement.accept(planner);
      } catch (UserError e) {
        throw e.position().isPresent() ? e : e.withPosition(statement.position());
      }
    }
    return new PlanResult(planner.catalog, planner.notices, planner.outputs, planner.dropped);
  }

  // Names.

  private ObjectName resolveNew(QualifiedName name, SourcePosition at) {
    if (name.parts().size() == 3 && !name.parts().get(0).equals("materialize")) {
      throw UserError.at(at, String.format("database \"%s\" does not exist", name.parts().get(0)))
          .withDetail("mzflink has one database, \"materialize\".");
    }
    String schema = name.schema().orElse(Catalog.DEFAULT_SCHEMA);
    if (!catalog.hasSchema(schema)) {
      throw UserError.at(at, String.format("schema %s does not exist", Quote.pgIdentifier(schema)))
          .withHint(
              String.format("Create it first: CREATE SCHEMA %s;", Quote.pgIdentifier(schema)));
    }
    return new ObjectName(schema, name.name());
  }

  private ObjectName resolveExisting(QualifiedName name, SourcePosition at) {
    if (name.parts().size() == 3 && !name.parts().get(0).equals("materialize")) {
      throw UserError.at(at, String.format("database \"%s\" does not exist", name.parts().get(0)));
    }
    return new ObjectName(name.schema().orElse(Catalog.DEFAULT_SCHEMA), name.name());
  }

  private Source source(QualifiedName name, SourcePosition at) {
    ObjectName resolved = resolveExisting(name, at);
    CatalogEntry entry =
        catalog
            .get(resolved)
            .orElseThrow(
                () -> {
                  List<String> known =
                      catalog.sources().stream().map(s -> s.name().quoted()).toList();
                  UserError e =
                      UserError.at(at, String.format("source %s does not exist", name.quoted()));
                  return known.isEmpty()
                      ? e.withHint(
                          "Create it first with CREATE MATERIALIZED SOURCE ... FROM POSTGRES.")
                      : e.withDetail("Known sources: " + String.join(", ", known) + ".");
                });
    if (!(entry instanceof Source source)) {
      throw UserError.at(at, String.format("%s is not a source", name.quoted()));
    }
    return source;
  }

  // CREATE SOURCE

  @Override
  public Void visitCreateSource(CreateSource s) {
    ObjectName name = resolveNew(s.name(), s.position());
    if (catalog.get(name).isPresent()) {
      if (s.ifNotExists()) {
        notices.add(String.format("source %s already exists, skipping", name.quoted()));
        return null;
      }
      throw UserError.at(
          s.position(), String.format("catalog item %s already exists", name.quoted()));
    }
    PurifiedSource p = purified.get(s.position().offset());
    if (p == null) {
      throw new IllegalStateException("CREATE SOURCE at " + s.position() + " was not purified");
    }
    if (!p.upstream().publication().name().equals(s.publication())) {
      throw new IllegalStateException("purified the wrong publication for " + name);
    }
    catalog = catalog.with(new Source(name, s.materialized(), p.connection(), p.upstream(), s));
    return null;
  }

  // CREATE VIEWS

  @Override
  public Void visitCreateViews(CreateViews s) {
    Source source = source(s.source(), s.position());
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
                ? resolveNew(target.alias().get(), target.position())
                : new ObjectName(table.schema(), table.name());
        addTarget(planned, plannedFrom, name, table, target.position(), target.alias().isPresent());
      }
    }
    for (Map.Entry<ObjectName, PgTable> e : planned.entrySet()) {
      ObjectName name = e.getKey();
      if (catalog.get(name).isPresent()) {
        if (s.ifNotExists()) {
          notices.add(String.format("view %s already exists, skipping", name.quoted()));
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
      catalog =
          catalog.with(new TableView(name, source.name(), e.getValue(), source.materialized(), s));
    }
    return null;
  }

  private void addTarget(
      Map<ObjectName, PgTable> planned,
      Map<ObjectName, String> plannedFrom,
      ObjectName name,
      PgTable table,
      SourcePosition at,
      boolean aliased) {
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

  // CREATE VIEW

  @Override
  public Void visitCreateView(CreateView s) {
    ObjectName name = resolveNew(s.name(), s.position());
    if (catalog.get(name).isPresent()) {
      if (s.ifNotExists()) {
        notices.add(String.format("view %s already exists, skipping", name.quoted()));
        return null;
      }
      throw UserError.at(
          s.position(), String.format("catalog item %s already exists", name.quoted()));
    }
    QueryAnalyzer.AnalyzedView analyzed = QueryAnalyzer.analyze(s.query(), catalog);
    catalog =
        catalog.with(
            new View(name, s.materialized(), analyzed.query(), analyzed.dependencies(), s));
    return null;
  }

  // CREATE SCHEMA

  @Override
  public Void visitCreateSchema(CreateSchema s) {
    if (s.name().parts().size() == 2 && !s.name().parts().get(0).equals("materialize")) {
      throw UserError.at(
          s.position(), String.format("database \"%s\" does not exist", s.name().parts().get(0)));
    }
    String schema = s.name().name();
    if (catalog.hasSchema(schema)) {
      if (s.ifNotExists()) {
        notices.add(
            String.format("schema %s already exists, skipping", Quote.pgIdentifier(schema)));
        return null;
      }
      throw UserError.at(
          s.position(), String.format("schema %s already exists", Quote.pgIdentifier(schema)));
    }
    if (schema.startsWith("mz_")
        || schema.equals("pg_catalog")
        || schema.equals("information_schema")) {
      throw UserError.at(
              s.position(),
              String.format("unacceptable schema name %s", Quote.pgIdentifier(schema)))
          .withDetail("The prefixes \"mz_\" and \"pg_\" are reserved for system schemas.");
    }
    catalog = catalog.withSchema(schema);
    return null;
  }

  // DROP

  @Override
  public Void visitDrop(Drop s) {
    for (QualifiedName name : s.names()) {
      switch (s.kind()) {
        case SCHEMA -> dropSchema(name, s);
        case SOURCE, VIEW -> dropObject(name, s);
      }
    }
    return null;
  }

  private void dropSchema(QualifiedName name, Drop s) {
    String schema = name.name();
    if (!catalog.hasSchema(schema)) {
      if (s.ifExists()) {
        notices.add(
            String.format("schema %s does not exist, skipping", Quote.pgIdentifier(schema)));
        return;
      }
      throw UserError.at(
          s.position(), String.format("schema %s does not exist", Quote.pgIdentifier(schema)));
    }
    List<CatalogEntry> inSchema =
        catalog.entries().stream().filter(e -> e.name().schema().equals(schema)).toList();
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
      if (catalog.get(e.name()).isPresent()) {
        dropCascade(e);
      }
    }
    catalog = catalog.withoutSchema(schema);
  }

  private void dropObject(QualifiedName name, Drop s) {
    ObjectName resolved = resolveExisting(name, s.position());
    CatalogEntry entry = catalog.get(resolved).orElse(null);
    String noun = s.kind().noun();
    if (entry == null) {
      if (s.ifExists()) {
        notices.add(String.format("%s %s does not exist, skipping", noun, name.quoted()));
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
    List<CatalogEntry> dependants = dependants(entry);
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
    dropCascade(entry);
  }

  private void dropCascade(CatalogEntry entry) {
    for (CatalogEntry dependant : dependants(entry)) {
      dropCascade(dependant);
    }
    catalog = catalog.without(entry.name());
    if (entry instanceof Source source) {
      dropped.add(source);
    }
  }

  private List<CatalogEntry> dependants(CatalogEntry entry) {
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

  // SHOW

  @Override
  public Void visitShow(Show s) {
    String text = StatementPrinter.print(s);
    switch (s.kind()) {
      case SOURCES -> {
        String schema = showSchema(s);
        List<List<String>> rows = new ArrayList<>();
        for (Source source : catalog.sources()) {
          if (source.name().schema().equals(schema)) {
            rows.add(
                s.full()
                    ? List.of(
                        source.name().name(), "user", source.materialized() ? "true" : "false")
                    : List.of(source.name().name()));
          }
        }
        outputs.add(
            new ShowOutput(
                text, s.full() ? List.of("name", "type", "materialized") : List.of("name"), rows));
      }
      case VIEWS -> {
        String schema = showSchema(s);
        List<List<String>> rows = new ArrayList<>();
        for (CatalogEntry entry : catalog.entries()) {
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
        outputs.add(
            new ShowOutput(
                text, s.full() ? List.of("name", "type", "materialized") : List.of("name"), rows));
      }
      case SCHEMAS ->
          outputs.add(
              new ShowOutput(
                  text, List.of("name"), catalog.schemas().stream().map(List::of).toList()));
      case CREATE_SOURCE -> {
        Source source = source(s.target().orElseThrow(), s.position());
        CreateSource c = source.createdBy();
        CreateSource redacted =
            new CreateSource(
                c.name(),
                c.materialized(),
                false,
                source.connection().redacted(),
                c.publication(),
                c.position());
        outputs.add(
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
        ObjectName name = resolveExisting(s.target().orElseThrow(), s.position());
        CatalogEntry entry =
            catalog
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
          outputs.add(
              new ShowOutput(
                  text,
                  List.of("View", "Create View"),
                  List.of(List.of(view.name().quoted(), create))));
          return null;
        }
        if (!(entry instanceof TableView view)) {
          throw UserError.at(s.position(), String.format("%s is not a view", name.quoted()));
        }
        String create =
            String.format(
                "CREATE VIEWS FROM SOURCE %s (%s AS %s)",
                view.source().quoted(), view.upstream().qualifiedName(), view.name().quoted());
        outputs.add(
            new ShowOutput(
                text,
                List.of("View", "Create View"),
                List.of(List.of(view.name().quoted(), create))));
      }
      case COLUMNS -> {
        ObjectName name = resolveExisting(s.target().orElseThrow(), s.position());
        CatalogEntry entry =
            catalog
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
        outputs.add(new ShowOutput(text, List.of("name", "nullable", "type"), rows));
      }
    }
    return null;
  }

  private String showSchema(Show s) {
    String schema = s.target().map(QualifiedName::name).orElse(Catalog.DEFAULT_SCHEMA);
    if (!catalog.hasSchema(schema)) {
      throw UserError.at(
          s.position(), String.format("schema %s does not exist", Quote.pgIdentifier(schema)));
    }
    return schema;
  }
}
