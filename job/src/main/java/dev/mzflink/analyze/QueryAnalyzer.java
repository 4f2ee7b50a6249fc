package dev.mzflink.analyze;

import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundQuery;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.sql.Query;
import dev.mzflink.sql.Quote;
import java.util.Collections;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Analyzes the SELECT of a view against a catalog snapshot, as PostgreSQL's parse analysis does:
 * resolves names (case as the lexer folded it, qualified and unqualified, correlated), chooses
 * operators and functions by PostgreSQL's type rules, makes every implicit conversion explicit,
 * derives output names and types, and checks grouping. Everything mzflink cannot translate exactly
 * is refused here, with the construct and its position. Pure.
 *
 * <p>The work is shared by {@link NameResolver} and {@link Scope} (names), {@link TypeRules},
 * {@link TypeNames} and {@link Operators} (types), {@link Functions} and {@link Aggregates}
 * (functions), and {@link QueryBinder} and {@link ExpressionBinder}, which bind the syntax tree
 * using them.
 */
public final class QueryAnalyzer {
  /** An analyzed view: its query and the catalog objects it reads. */
  public record AnalyzedView(BoundQuery query, SortedSet<ObjectName> dependencies) {
    public AnalyzedView {
      Objects.requireNonNull(query, "query is null");
      dependencies = Collections.unmodifiableSortedSet(new TreeSet<>(dependencies));
    }
  }

  private QueryAnalyzer() {}

  /** Analyzes the query of a view. */
  public static AnalyzedView analyze(Query query, Catalog catalog) {
    NameResolver names = new NameResolver(catalog);
    BoundQuery bound = new QueryBinder(names).query(query, Optional.empty());
    Set<String> columnNames = new HashSet<>();
    for (OutputColumn column : bound.columns()) {
      if (!columnNames.add(column.name())) {
        throw UserError.at(
                query.position(),
                String.format(
                    "column %s specified more than once", Quote.pgIdentifier(column.name())))
            .withHint("Give the columns different names with AS.");
      }
    }
    return new AnalyzedView(bound, names.dependencies());
  }
}
