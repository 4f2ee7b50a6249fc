package dev.mzflink.sql;

import static java.util.Objects.requireNonNull;

import dev.mzflink.SourcePosition;
import java.util.List;
import java.util.Optional;

/**
 * The query of a view: a SELECT, or SELECTs combined with UNION [ALL]. PostgreSQL dialect, as
 * written: names are not resolved yet.
 */
public sealed interface Query {
  SourcePosition position();

  <R> R accept(Visitor<R> visitor);

  interface Visitor<R> {
    R visitSelect(Select query);

    R visitSetOperation(SetOperation query);
  }

  /**
   * {@code SELECT [DISTINCT] items [FROM relations] [WHERE condition] [GROUP BY expressions]
   * [HAVING condition]}. Several FROM relations are a cross join.
   */
  record Select(
      boolean distinct,
      List<SelectItem> items,
      List<Relation> from,
      Optional<Expression> where,
      List<Expression> groupBy,
      Optional<Expression> having,
      SourcePosition position)
      implements Query {
    public Select {
      items = List.copyOf(requireNonNull(items, "items is null"));
      from = List.copyOf(requireNonNull(from, "from is null"));
      requireNonNull(where, "where is null");
      groupBy = List.copyOf(requireNonNull(groupBy, "groupBy is null"));
      requireNonNull(having, "having is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitSelect(this);
    }
  }

  /** {@code left UNION [ALL] right}; the position is the UNION keyword's. */
  record SetOperation(boolean all, Query left, Query right, SourcePosition position)
      implements Query {
    public SetOperation {
      requireNonNull(left, "left is null");
      requireNonNull(right, "right is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitSetOperation(this);
    }
  }

  /** An entry of the select list. */
  sealed interface SelectItem {
    SourcePosition position();
  }

  /** {@code expression [AS alias]}. */
  record ExpressionItem(Expression expression, Optional<String> alias, SourcePosition position)
      implements SelectItem {
    public ExpressionItem {
      requireNonNull(expression, "expression is null");
      requireNonNull(alias, "alias is null");
      requireNonNull(position, "position is null");
    }
  }

  /** {@code *} or {@code t.*}. */
  record AllColumns(List<String> qualifier, SourcePosition position) implements SelectItem {
    public AllColumns {
      qualifier = List.copyOf(requireNonNull(qualifier, "qualifier is null"));
      requireNonNull(position, "position is null");
    }
  }

  /** An entry of the FROM list. */
  sealed interface Relation {
    SourcePosition position();
  }

  /** A table or view by name: {@code name [AS alias]}. */
  record TableRelation(QualifiedName name, Optional<String> alias, SourcePosition position)
      implements Relation {
    public TableRelation {
      requireNonNull(name, "name is null");
      requireNonNull(alias, "alias is null");
      requireNonNull(position, "position is null");
    }
  }

  /** {@code (query) [AS] alias}. */
  record SubqueryRelation(Query query, Optional<String> alias, SourcePosition position)
      implements Relation {
    public SubqueryRelation {
      requireNonNull(query, "query is null");
      requireNonNull(alias, "alias is null");
      requireNonNull(position, "position is null");
    }
  }

  enum JoinType {
    INNER("JOIN"),
    LEFT("LEFT JOIN"),
    RIGHT("RIGHT JOIN"),
    FULL("FULL JOIN"),
    CROSS("CROSS JOIN");

    private final String sql;

    JoinType(String sql) {
      this.sql = sql;
    }

    public String sql() {
      return sql;
    }
  }

  /** {@code left [type] JOIN right ON condition}, or a CROSS JOIN without a condition. */
  record JoinRelation(
      JoinType type,
      Relation left,
      Relation right,
      Optional<Expression> on,
      SourcePosition position)
      implements Relation {
    public JoinRelation {
      requireNonNull(type, "type is null");
      requireNonNull(left, "left is null");
      requireNonNull(right, "right is null");
      requireNonNull(on, "on is null");
      requireNonNull(position, "position is null");
      if ((type == JoinType.CROSS) != on.isEmpty()) {
        throw new IllegalArgumentException("only a CROSS JOIN has no ON condition");
      }
    }
  }
}
