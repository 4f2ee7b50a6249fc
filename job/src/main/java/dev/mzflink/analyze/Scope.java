package dev.mzflink.analyze;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.sql.Expression.Column;
import dev.mzflink.sql.Query.AllColumns;
import dev.mzflink.sql.Quote;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The relations a query level can refer to, within the scopes of the queries enclosing it: names
 * resolve innermost first, qualified or not, as in PostgreSQL.
 */
final class Scope {
  /** A column a name resolved to, and the relation it belongs to. */
  record Match(ScopeRelation relation, ScopeColumn column) {}

  private final Optional<Scope> parent;
  private final List<ScopeRelation> relations;

  Scope(Optional<Scope> parent, List<ScopeRelation> relations) {
    this.parent = parent;
    this.relations = List.copyOf(relations);
  }

  /** Whether a relation of this level (not of an enclosing one) has a column named so. */
  boolean declares(String column) {
    return relations.stream()
        .anyMatch(r -> r.columns().stream().anyMatch(c -> c.name().equals(column)));
  }

  /** The relations a {@code *} or {@code t.*} of this level's select list expands to. */
  List<ScopeRelation> starRelations(AllColumns all) {
    if (all.qualifier().isEmpty()) {
      if (relations.isEmpty()) {
        throw UserError.at(all.position(), "SELECT * with no tables specified is not valid");
      }
      return relations;
    }
    List<String> q = all.qualifier();
    String name = q.get(q.size() - 1);
    for (ScopeRelation r : relations) {
      if (r.alias().equals(name)
          && (q.size() == 1
              || (!r.aliased()
                  && r.object().isPresent()
                  && r.object().get().schema().equals(q.get(q.size() - 2))))) {
        return List.of(r);
      }
    }
    throw UserError.at(
        all.position(),
        String.format("missing FROM-clause entry for table %s", Quote.pgIdentifier(name)));
  }

  /** Refuses two relations of one FROM list (or join) with the same reference name. */
  static void checkDistinctAliases(List<ScopeRelation> relations, SourcePosition at) {
    Set<String> seen = new HashSet<>();
    for (ScopeRelation r : relations) {
      if (!seen.add(r.alias())) {
        throw UserError.at(
                at,
                String.format(
                    "table name %s specified more than once", Quote.pgIdentifier(r.alias())))
            .withHint("Give one of them an alias: FROM t AS a JOIN t AS b ON ...");
      }
    }
  }

  /** The column a (possibly qualified, possibly correlated) column name refers to. */
  Match resolve(Column c) {
    List<String> parts = c.parts();
    if (parts.size() > 4 || (parts.size() == 4 && !parts.get(0).equals("materialize"))) {
      throw UserError.at(
          c.position(), String.format("improper qualified name: %s", String.join(".", parts)));
    }
    String name = c.name();
    List<String> qualifier = c.qualifier();
    if (qualifier.size() == 3) {
      qualifier = qualifier.subList(1, 3);
    }
    for (Optional<Scope> level = Optional.of(this); level.isPresent(); level = level.get().parent) {
      List<ScopeRelation> matches = new ArrayList<>();
      for (ScopeRelation r : level.get().relations) {
        if (qualifier.isEmpty()) {
          if (r.columns().stream().anyMatch(col -> col.name().equals(name))) {
            matches.add(r);
          }
        } else if (matchesQualifier(r, qualifier)) {
          matches.add(r);
        }
      }
      if (qualifier.isEmpty() && matches.size() > 1) {
        throw UserError.at(
            c.position(),
            String.format("column reference %s is ambiguous", Quote.pgIdentifier(name)));
      }
      if (matches.size() > 1) {
        // Relations of one level have distinct reference names (checked with the FROM list).
        throw new IllegalStateException("two relations named " + qualifier + " in one scope");
      }
      if (matches.size() == 1) {
        ScopeRelation r = matches.get(0);
        List<ScopeColumn> columns =
            r.columns().stream().filter(col -> col.name().equals(name)).toList();
        if (columns.isEmpty()) {
          throw UserError.at(
              c.position(),
              String.format(
                  "column %s does not exist", Quote.pgIdentifier(r.alias() + "." + name)));
        }
        if (columns.size() > 1) {
          throw UserError.at(
              c.position(),
              String.format("column reference %s is ambiguous", Quote.pgIdentifier(name)));
        }
        return new Match(r, columns.get(0));
      }
    }
    if (qualifier.isEmpty()) {
      throw UserError.at(
          c.position(), String.format("column %s does not exist", Quote.pgIdentifier(name)));
    }
    String table = qualifier.get(qualifier.size() - 1);
    for (Optional<Scope> level = Optional.of(this); level.isPresent(); level = level.get().parent) {
      for (ScopeRelation r : level.get().relations) {
        if (r.aliased() && r.object().isPresent() && r.object().get().name().equals(table)) {
          throw UserError.at(
                  c.position(),
                  String.format(
                      "invalid reference to FROM-clause entry for table %s",
                      Quote.pgIdentifier(table)))
              .withHint(
                  String.format(
                      "Perhaps you meant to reference the table alias %s.",
                      Quote.pgIdentifier(r.alias())));
        }
      }
    }
    throw UserError.at(
        c.position(),
        String.format("missing FROM-clause entry for table %s", Quote.pgIdentifier(table)));
  }

  private static boolean matchesQualifier(ScopeRelation r, List<String> qualifier) {
    String table = qualifier.get(qualifier.size() - 1);
    if (!r.alias().equals(table)) {
      return false;
    }
    if (qualifier.size() == 1) {
      return true;
    }
    return !r.aliased()
        && r.object().isPresent()
        && r.object().get().schema().equals(qualifier.get(0));
  }
}
