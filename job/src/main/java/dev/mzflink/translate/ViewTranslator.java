package dev.mzflink.translate;

import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Aggregate;
import dev.mzflink.catalog.BoundExpression.ColumnReference;
import dev.mzflink.catalog.BoundQuery;
import dev.mzflink.catalog.BoundQuery.BoundRelation;
import dev.mzflink.catalog.BoundQuery.BoundSelect;
import dev.mzflink.catalog.BoundQuery.BoundUnion;
import dev.mzflink.catalog.BoundQuery.DerivedTable;
import dev.mzflink.catalog.BoundQuery.Join;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.BoundQuery.TableScan;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.sql.Query.JoinType;
import dev.mzflink.sql.Quote;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Renders an analyzed view query as Flink SQL. Every PostgreSQL semantic that Flink does not share
 * is spelled out, here for queries and in {@link ExpressionTranslator} for expressions: integer
 * sums widened, averages and numeric quotients computed at a fixed scale, numeric-to-integer casts
 * rounded, character(n) trimmed where PostgreSQL ignores its padding, substr's start clamped,
 * Sunday as day 0, ISO weeks starting on Monday, and aggregates without GROUP BY returning their
 * one row on empty input. Pure.
 *
 * <p>The Flink types of the result are those of {@link SqlType#flinkType()}; the runtime checks
 * them against Flink's own before it starts a job.
 */
public final class ViewTranslator {
  /** Internal relation names of the aggregate-without-GROUP-BY form; never a user's alias. */
  static final String ONE_ROW = "mz_one_row";

  static final String AGGREGATES = "mz_aggregates";

  static final String IN_SUBQUERY = "mz_in";

  private final Map<Integer, String> aliases = new HashMap<>();
  private final Set<String> taken = new HashSet<>();

  /** Aggregates replaced by columns of {@link #AGGREGATES}, while rendering that form. */
  private Map<Aggregate, String> substitutions = Map.of();

  private ViewTranslator() {
    taken.add(ONE_ROW);
    taken.add(AGGREGATES);
    taken.add(IN_SUBQUERY);
  }

  /** The Flink SQL SELECT of a view's query; its columns are named by their flinkName. */
  public static String query(BoundQuery query) {
    ViewTranslator t = new ViewTranslator();
    return t.render(query, "");
  }

  /** The Flink name of a catalog object: its schema as a Flink database. */
  static String objectName(ObjectName name) {
    return Quote.flinkIdentifier(name.schema()) + "." + Quote.flinkIdentifier(name.name());
  }

  private String alias(int relation, String preferred) {
    return aliases.computeIfAbsent(
        relation,
        id -> {
          String candidate = preferred;
          for (int n = 2; !taken.add(candidate.toLowerCase(Locale.ROOT)); n++) {
            candidate = preferred + "_" + n;
          }
          return candidate;
        });
  }

  // Queries.

  /** A query (of a view, or a subquery), each line after the first indented by {@code indent}. */
  String render(BoundQuery query, String indent) {
    if (query instanceof BoundUnion u) {
      return union(u, indent);
    }
    return select((BoundSelect) query, indent, false);
  }

  private String union(BoundUnion u, String indent) {
    return branch(u.left(), indent)
        + "\n"
        + indent
        + (u.all() ? "UNION ALL" : "UNION")
        + "\n"
        + branch(u.right(), indent);
  }

  private String branch(BoundQuery q, String indent) {
    if (q instanceof BoundUnion u) {
      return indent + "(\n" + union(u, indent + "  ") + "\n" + indent + ")";
    }
    return select((BoundSelect) q, indent, true);
  }

  private String select(BoundSelect s, String indent, boolean unionBranch) {
    // Relations first, so that correlated subqueries in expressions see their aliases.
    for (BoundRelation r : s.from()) {
      registerAliases(r);
    }
    if (s.aggregated() && s.groupBy().isEmpty()) {
      return globalAggregate(s, indent);
    }
    StringBuilder out = new StringBuilder();
    out.append(indent).append("SELECT").append(s.distinct() ? " DISTINCT" : "").append('\n');
    out.append(items(s.items(), s.columns(), indent + "  ", unionBranch));
    if (!s.from().isEmpty()) {
      out.append('\n').append(indent).append("FROM ").append(from(s.from(), indent));
    }
    s.where()
        .ifPresent(
            w -> out.append('\n').append(indent).append("WHERE ").append(expression(w, indent)));
    if (!s.groupBy().isEmpty()) {
      out.append('\n')
          .append(indent)
          .append("GROUP BY ")
          .append(
              s.groupBy().stream()
                  .map(g -> expression(g, indent))
                  .collect(Collectors.joining(", ")));
    }
    s.having()
        .ifPresent(
            h -> out.append('\n').append(indent).append("HAVING ").append(expression(h, indent)));
    return out.toString();
  }

  private String items(
      List<BoundExpression> items, List<OutputColumn> columns, String indent, boolean unionBranch) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      BoundExpression item = items.get(i);
      String sql = expression(item, indent);
      if (unionBranch
          && item.type().flinkType().equals("STRING")
          && !(item instanceof ColumnReference)) {
        // Flink types string literals CHAR(n) and pads them to a common length in a UNION.
        sql = "CAST(" + sql + " AS STRING)";
      }
      lines.add(indent + sql + " AS " + Quote.flinkIdentifier(columns.get(i).flinkName()));
    }
    return String.join(",\n", lines);
  }

  /**
   * An aggregation without GROUP BY returns one row in PostgreSQL even when its input is empty
   * (count 0, sums NULL); Flink returns none. So the aggregates are computed in a subquery that a
   * one-row relation is left-joined with.
   */
  private String globalAggregate(BoundSelect s, String indent) {
    Map<Aggregate, String> columns = new LinkedHashMap<>();
    for (BoundExpression item : s.items()) {
      collectAggregates(item, columns);
    }
    s.having().ifPresent(h -> collectAggregates(h, columns));
    String inner = indent + "    ";
    StringBuilder aggregates = new StringBuilder();
    aggregates.append(inner).append("SELECT\n");
    List<String> lines = new ArrayList<>();
    for (Map.Entry<Aggregate, String> e : columns.entrySet()) {
      lines.add(
          inner
              + "  "
              + new ExpressionTranslator(this, inner).aggregate(e.getKey())
              + " AS "
              + Quote.flinkIdentifier(e.getValue()));
    }
    aggregates.append(String.join(",\n", lines));
    if (!s.from().isEmpty()) {
      aggregates.append('\n').append(inner).append("FROM ").append(from(s.from(), inner));
    }
    s.where()
        .ifPresent(
            w ->
                aggregates
                    .append('\n')
                    .append(inner)
                    .append("WHERE ")
                    .append(expression(w, inner)));

    Map<Aggregate, String> previous = substitutions;
    substitutions = columns;
    try {
      StringBuilder out = new StringBuilder();
      out.append(indent).append("SELECT").append(s.distinct() ? " DISTINCT" : "").append('\n');
      out.append(items(s.items(), s.columns(), indent + "  ", false));
      out.append('\n')
          .append(indent)
          .append("FROM (VALUES (1)) AS ")
          .append(Quote.flinkIdentifier(ONE_ROW))
          .append("(")
          .append(Quote.flinkIdentifier("one"))
          .append(")\n")
          .append(indent)
          .append("  LEFT JOIN (\n")
          .append(aggregates)
          .append('\n')
          .append(indent)
          .append("  ) AS ")
          .append(Quote.flinkIdentifier(AGGREGATES))
          .append(" ON TRUE");
      s.having()
          .ifPresent(
              h -> out.append('\n').append(indent).append("WHERE ").append(expression(h, indent)));
      return out.toString();
    } finally {
      substitutions = previous;
    }
  }

  private static void collectAggregates(BoundExpression e, Map<Aggregate, String> out) {
    if (e instanceof Aggregate a) {
      out.computeIfAbsent(a, x -> "a" + (out.size() + 1));
      return;
    }
    for (BoundExpression child : e.children()) {
      collectAggregates(child, out);
    }
  }

  private void registerAliases(BoundRelation r) {
    if (r instanceof TableScan t) {
      alias(t.id(), t.alias());
    } else if (r instanceof DerivedTable d) {
      alias(d.id(), d.alias());
    } else {
      Join j = (Join) r;
      registerAliases(j.left());
      registerAliases(j.right());
    }
  }

  private String from(List<BoundRelation> relations, String indent) {
    return relations.stream()
        .map(r -> relation(r, indent))
        .collect(Collectors.joining(",\n" + indent + "  "));
  }

  private String relation(BoundRelation r, String indent) {
    if (r instanceof TableScan t) {
      return objectName(t.object()) + " AS " + Quote.flinkIdentifier(alias(t.id(), t.alias()));
    }
    if (r instanceof DerivedTable d) {
      String alias = alias(d.id(), d.alias());
      return "(\n"
          + render(d.query(), indent + "  ")
          + "\n"
          + indent
          + ") AS "
          + Quote.flinkIdentifier(alias);
    }
    Join j = (Join) r;
    String right = relation(j.right(), indent);
    if (j.right() instanceof Join) {
      right = "(" + right + ")";
    }
    String join =
        switch (j.type()) {
          case INNER -> "JOIN";
          case LEFT -> "LEFT JOIN";
          case RIGHT -> "RIGHT JOIN";
          case FULL -> "FULL JOIN";
          case CROSS -> "CROSS JOIN";
        };
    return relation(j.left(), indent)
        + "\n"
        + indent
        + "  "
        + join
        + " "
        + right
        + (j.type() == JoinType.CROSS ? "" : " ON " + expression(j.on().orElseThrow(), indent));
  }

  // Expressions.

  private String expression(BoundExpression e, String indent) {
    return e.accept(new ExpressionTranslator(this, indent));
  }

  /** The Flink alias of a relation of the query (registered before its expressions are). */
  String aliasOf(int relation) {
    String alias = aliases.get(relation);
    if (alias == null) {
      throw new IllegalStateException("relation " + relation + " has no alias");
    }
    return alias;
  }

  /**
   * The column of {@link #AGGREGATES} that stands for {@code aggregate}, while rendering that form.
   */
  Optional<String> substitution(Aggregate aggregate) {
    return Optional.ofNullable(substitutions.get(aggregate));
  }
}
