package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Query.JoinType;
import java.util.List;
import java.util.Optional;

/** An analyzed query: relations resolved, expressions bound, output columns typed. */
public sealed interface BoundQuery {
  List<OutputColumn> columns();

  /**
   * Output columns (by index) whose values identify a row: no two rows of the query agree on all of
   * them, and none is ever NULL. Empty when the query may return duplicates or mzflink cannot tell.
   */
  Optional<List<Integer>> uniqueKey();

  <R> R accept(Visitor<R> visitor);

  interface Visitor<R> {
    R visitSelect(BoundSelect query);

    R visitUnion(BoundUnion query);
  }

  /**
   * A column of a query or relation.
   *
   * @param name the name PostgreSQL gives it
   * @param flinkName the name it has in Flink SQL: {@code name}, made unique within its query
   * @param type its type
   * @param nullable whether it can be NULL
   */
  record OutputColumn(String name, String flinkName, SqlType type, boolean nullable) {
    public OutputColumn {
      requireNonNull(name, "name is null");
      requireNonNull(flinkName, "flinkName is null");
      requireNonNull(type, "type is null");
    }
  }

  /**
   * A SELECT.
   *
   * @param distinct SELECT DISTINCT
   * @param from the FROM relations (a cross join when several)
   * @param where the WHERE condition
   * @param aggregated whether the query aggregates (GROUP BY, or aggregates without it)
   * @param groupBy the GROUP BY expressions
   * @param having the HAVING condition
   * @param items the select list, in output order
   * @param columns the output columns, one per item
   * @param uniqueKey see {@link BoundQuery#uniqueKey()}
   */
  record BoundSelect(
      boolean distinct,
      List<BoundRelation> from,
      Optional<BoundExpression> where,
      boolean aggregated,
      List<BoundExpression> groupBy,
      Optional<BoundExpression> having,
      List<BoundExpression> items,
      List<OutputColumn> columns,
      Optional<List<Integer>> uniqueKey)
      implements BoundQuery {
    public BoundSelect {
      from = List.copyOf(requireNonNull(from, "from is null"));
      requireNonNull(where, "where is null");
      groupBy = List.copyOf(requireNonNull(groupBy, "groupBy is null"));
      requireNonNull(having, "having is null");
      items = List.copyOf(requireNonNull(items, "items is null"));
      columns = List.copyOf(requireNonNull(columns, "columns is null"));
      uniqueKey = requireNonNull(uniqueKey, "uniqueKey is null").map(List::copyOf);
      if (items.size() != columns.size()) {
        throw new IllegalArgumentException("one column per item");
      }
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitSelect(this);
    }
  }

  /** {@code left UNION [ALL] right}; both sides' columns already have the union's types. */
  record BoundUnion(boolean all, BoundQuery left, BoundQuery right, List<OutputColumn> columns)
      implements BoundQuery {
    public BoundUnion {
      requireNonNull(left, "left is null");
      requireNonNull(right, "right is null");
      columns = List.copyOf(requireNonNull(columns, "columns is null"));
    }

    @Override
    public Optional<List<Integer>> uniqueKey() {
      return Optional.empty();
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitUnion(this);
    }
  }

  /** A relation of a FROM clause. */
  sealed interface BoundRelation {}

  /**
   * A table view of a source or a view, by name.
   *
   * @param id the relation's number, unique within the view
   * @param alias the name the query refers to it by
   * @param object the catalog object
   */
  record TableScan(int id, String alias, ObjectName object) implements BoundRelation {
    public TableScan {
      requireNonNull(alias, "alias is null");
      requireNonNull(object, "object is null");
    }
  }

  /** A subquery in FROM. */
  record DerivedTable(int id, String alias, BoundQuery query) implements BoundRelation {
    public DerivedTable {
      requireNonNull(alias, "alias is null");
      requireNonNull(query, "query is null");
    }
  }

  /** A join; a CROSS JOIN has no condition. */
  record Join(JoinType type, BoundRelation left, BoundRelation right, Optional<BoundExpression> on)
      implements BoundRelation {
    public Join {
      requireNonNull(type, "type is null");
      requireNonNull(left, "left is null");
      requireNonNull(right, "right is null");
      requireNonNull(on, "on is null");
    }
  }
}
