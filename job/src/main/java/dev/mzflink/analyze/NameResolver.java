package dev.mzflink.analyze;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.ColumnReference;
import dev.mzflink.catalog.BoundQuery;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.sql.Expression.Column;
import dev.mzflink.sql.QualifiedName;
import dev.mzflink.sql.Query.TableRelation;
import dev.mzflink.sql.Quote;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Resolves the names of one query: relations against the catalog (recording each object read, and
 * numbering each relation), columns against scopes (recording where each reference was written).
 */
final class NameResolver {
  /** Where a bound column reference was written, and as what, for grouping errors. */
  record ColumnOrigin(SourcePosition position, String display) {}

  private final Catalog catalog;
  private final SortedSet<ObjectName> dependencies = new TreeSet<>();
  private final Map<BoundExpression, ColumnOrigin> origins = new IdentityHashMap<>();
  private int nextRelation = 1;

  NameResolver(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The catalog objects resolved so far. */
  SortedSet<ObjectName> dependencies() {
    return Collections.unmodifiableSortedSet(dependencies);
  }

  /** A table of a FROM list: a view of a source or a view, never a source itself. */
  ScopeRelation table(TableRelation t) {
    QualifiedName name = t.name();
    if (name.parts().size() == 3 && !name.parts().get(0).equals("materialize")) {
      throw UserError.at(
              t.position(),
              String.format("database %s does not exist", Quote.pgIdentifier(name.parts().get(0))))
          .withDetail("mzflink has one database, \"materialize\".");
    }
    ObjectName object = new ObjectName(name.schema().orElse(Catalog.DEFAULT_SCHEMA), name.name());
    CatalogEntry entry =
        catalog
            .get(object)
            .orElseThrow(
                () ->
                    UserError.at(
                            t.position(),
                            String.format("relation %s does not exist", name.quoted()))
                        .withHint(
                            "Views select from the views of sources (CREATE VIEWS) and from other views."));
    int id = nextRelation++;
    List<ScopeColumn> columns = new ArrayList<>();
    Optional<List<Integer>> key;
    if (entry instanceof CatalogEntry.TableView view) {
      PgTable table = view.upstream();
      for (PgColumn c : table.columns()) {
        columns.add(
            new ScopeColumn(
                c.name(), c.name(), SqlType.ofColumn(c.type()), c.type().describe(), !c.notNull()));
      }
      List<Integer> k = new ArrayList<>();
      for (String column : table.primaryKey()) {
        for (int i = 0; i < table.columns().size(); i++) {
          if (table.columns().get(i).name().equals(column)) {
            k.add(i);
          }
        }
      }
      key = k.isEmpty() ? Optional.empty() : Optional.of(k);
    } else if (entry instanceof CatalogEntry.View view) {
      for (OutputColumn c : view.query().columns()) {
        columns.add(
            new ScopeColumn(
                c.name(), c.flinkName(), Optional.of(c.type()), c.type().pgName(), c.nullable()));
      }
      key = view.query().uniqueKey();
    } else {
      throw UserError.at(t.position(), String.format("%s is a source, not a view", name.quoted()))
          .withHint(
              "Select from its views: CREATE VIEWS FROM SOURCE creates one per upstream table.");
    }
    dependencies.add(object);
    String alias = t.alias().orElse(object.name());
    return new ScopeRelation(id, alias, Optional.of(object), t.alias().isPresent(), columns, key);
  }

  /** A subquery of a FROM list, with the columns and key of its query. */
  ScopeRelation derived(String alias, BoundQuery query) {
    int id = nextRelation++;
    List<ScopeColumn> columns =
        query.columns().stream()
            .map(
                c ->
                    new ScopeColumn(
                        c.name(),
                        c.flinkName(),
                        Optional.of(c.type()),
                        c.type().pgName(),
                        c.nullable()))
            .toList();
    return new ScopeRelation(id, alias, Optional.empty(), true, columns, query.uniqueKey());
  }

  /** A column name of an expression, bound to the column it refers to. */
  ColumnReference column(Column c, Scope scope) {
    Scope.Match match = scope.resolve(c);
    return reference(match.relation(), match.column(), c.position());
  }

  /** A reference to a column of a relation, written at {@code at}. */
  ColumnReference reference(ScopeRelation r, ScopeColumn c, SourcePosition at) {
    String alias = r.alias();
    if (c.type().isEmpty()) {
      throw UserError.at(
              at,
              String.format(
                  "column %s has type %s, which views do not support",
                  Quote.pgIdentifier(alias + "." + c.name()), c.typeDescription()))
          .withHint("Leave the column out of the view's query.");
    }
    ColumnReference ref = new ColumnReference(r.id(), c.flinkName(), c.type().get(), c.nullable());
    origins.put(ref, new ColumnOrigin(at, alias + "." + c.name()));
    return ref;
  }

  /** Where {@code e} was written, when it is a column reference this resolver bound. */
  Optional<ColumnOrigin> origin(BoundExpression e) {
    return Optional.ofNullable(origins.get(e));
  }
}
