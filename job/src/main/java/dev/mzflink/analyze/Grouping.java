package dev.mzflink.analyze;

import dev.mzflink.UserError;
import dev.mzflink.analyze.NameResolver.ColumnOrigin;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Aggregate;
import dev.mzflink.catalog.BoundExpression.ColumnReference;
import dev.mzflink.catalog.BoundQuery.BoundRelation;
import dev.mzflink.catalog.BoundQuery.Join;
import dev.mzflink.sql.Quote;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** PostgreSQL's grouping rules for a SELECT, and the unique key its output has. */
final class Grouping {
  private Grouping() {}

  /** Whether {@code e} has an aggregate call, which makes its SELECT an aggregation. */
  static boolean containsAggregate(BoundExpression e) {
    if (e instanceof Aggregate) {
      return true;
    }
    return e.children().stream().anyMatch(Grouping::containsAggregate);
  }

  /** PostgreSQL's rule: outside aggregates, a column of this level must be grouped. */
  static void checkGrouped(
      BoundExpression e,
      List<BoundExpression> groupBy,
      Set<Integer> levelRelations,
      NameResolver names) {
    if (groupBy.contains(e) || e instanceof Aggregate) {
      return;
    }
    if (e instanceof ColumnReference c && levelRelations.contains(c.relation())) {
      Optional<ColumnOrigin> origin = names.origin(e);
      String display = origin.map(ColumnOrigin::display).orElse(c.column());
      UserError error =
          UserError.of(
              String.format(
                  "column %s must appear in the GROUP BY clause or be used in an aggregate function",
                  Quote.pgIdentifier(display)));
      throw origin.isEmpty() ? error : error.withPosition(origin.get().position());
    }
    for (BoundExpression child : e.children()) {
      checkGrouped(child, groupBy, levelRelations, names);
    }
  }

  /**
   * The output columns that are a unique key of a SELECT: its GROUP BY, or the key of its one
   * relation when the select list has all of its columns.
   */
  static Optional<List<Integer>> uniqueKey(
      boolean distinct,
      boolean aggregated,
      List<BoundExpression> groupBy,
      List<BoundRelation> from,
      List<ScopeRelation> relations,
      List<BoundExpression> items) {
    if (distinct) {
      return Optional.empty();
    }
    List<Integer> key = new ArrayList<>();
    if (aggregated) {
      if (groupBy.isEmpty()) {
        return Optional.empty();
      }
      for (BoundExpression g : groupBy) {
        int index = items.indexOf(g);
        if (index < 0 || g.nullable()) {
          return Optional.empty();
        }
        if (!key.contains(index)) {
          key.add(index);
        }
      }
      return Optional.of(key);
    }
    if (from.size() != 1 || from.get(0) instanceof Join || relations.size() != 1) {
      return Optional.empty();
    }
    ScopeRelation r = relations.get(0);
    if (r.key().isEmpty()) {
      return Optional.empty();
    }
    for (int k : r.key().get()) {
      ScopeColumn c = r.columns().get(k);
      int index = -1;
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i) instanceof ColumnReference ref
            && ref.relation() == r.id()
            && ref.column().equals(c.flinkName())) {
          index = i;
          break;
        }
      }
      if (index < 0) {
        return Optional.empty();
      }
      key.add(index);
    }
    return Optional.of(key);
  }
}
