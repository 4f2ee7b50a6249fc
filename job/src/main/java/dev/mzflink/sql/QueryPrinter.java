package dev.mzflink.sql;

import dev.mzflink.sql.Expression.Between;
import dev.mzflink.sql.Expression.Binary;
import dev.mzflink.sql.Expression.BooleanLiteral;
import dev.mzflink.sql.Expression.Case;
import dev.mzflink.sql.Expression.Cast;
import dev.mzflink.sql.Expression.Column;
import dev.mzflink.sql.Expression.Exists;
import dev.mzflink.sql.Expression.Extract;
import dev.mzflink.sql.Expression.FunctionCall;
import dev.mzflink.sql.Expression.InList;
import dev.mzflink.sql.Expression.InSubquery;
import dev.mzflink.sql.Expression.Is;
import dev.mzflink.sql.Expression.IsDistinctFrom;
import dev.mzflink.sql.Expression.Like;
import dev.mzflink.sql.Expression.NullLiteral;
import dev.mzflink.sql.Expression.NumberLiteral;
import dev.mzflink.sql.Expression.ScalarSubquery;
import dev.mzflink.sql.Expression.StringLiteral;
import dev.mzflink.sql.Expression.TypedLiteral;
import dev.mzflink.sql.Expression.Unary;
import dev.mzflink.sql.Expression.UnaryOperator;
import dev.mzflink.sql.Expression.When;
import dev.mzflink.sql.Query.AllColumns;
import dev.mzflink.sql.Query.ExpressionItem;
import dev.mzflink.sql.Query.JoinRelation;
import dev.mzflink.sql.Query.Relation;
import dev.mzflink.sql.Query.Select;
import dev.mzflink.sql.Query.SelectItem;
import dev.mzflink.sql.Query.SetOperation;
import dev.mzflink.sql.Query.SubqueryRelation;
import dev.mzflink.sql.Query.TableRelation;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Prints a query back as PostgreSQL SQL in a canonical form: every identifier quoted, every
 * operation parenthesized, key words in upper case. Parsing the output gives the same query again
 * (positions aside), and PostgreSQL reads it with the same meaning.
 */
public final class QueryPrinter implements Query.Visitor<String>, Expression.Visitor<String> {
  private static final QueryPrinter INSTANCE = new QueryPrinter();

  private QueryPrinter() {}

  public static String print(Query query) {
    return query.accept(INSTANCE);
  }

  public static String print(Expression expression) {
    return expression.accept(INSTANCE);
  }

  // Queries.

  @Override
  public String visitSelect(Select s) {
    StringBuilder out = new StringBuilder("SELECT ");
    if (s.distinct()) {
      out.append("DISTINCT ");
    }
    out.append(s.items().stream().map(this::item).collect(Collectors.joining(", ")));
    if (!s.from().isEmpty()) {
      out.append(" FROM ")
          .append(s.from().stream().map(this::relation).collect(Collectors.joining(", ")));
    }
    s.where().ifPresent(w -> out.append(" WHERE ").append(w.accept(this)));
    if (!s.groupBy().isEmpty()) {
      out.append(" GROUP BY ").append(list(s.groupBy()));
    }
    s.having().ifPresent(h -> out.append(" HAVING ").append(h.accept(this)));
    return out.toString();
  }

  @Override
  public String visitSetOperation(SetOperation s) {
    String right = s.right().accept(this);
    if (s.right() instanceof SetOperation) {
      right = "(" + right + ")";
    }
    return s.left().accept(this) + (s.all() ? " UNION ALL " : " UNION ") + right;
  }

  private String item(SelectItem item) {
    if (item instanceof AllColumns all) {
      return all.qualifier().isEmpty() ? "*" : name(all.qualifier()) + ".*";
    }
    ExpressionItem e = (ExpressionItem) item;
    return e.expression().accept(this)
        + e.alias().map(a -> " AS " + Quote.pgIdentifier(a)).orElse("");
  }

  private String relation(Relation relation) {
    if (relation instanceof TableRelation t) {
      return t.name().quoted() + t.alias().map(a -> " AS " + Quote.pgIdentifier(a)).orElse("");
    }
    if (relation instanceof SubqueryRelation s) {
      return "("
          + s.query().accept(this)
          + ")"
          + s.alias().map(a -> " AS " + Quote.pgIdentifier(a)).orElse("");
    }
    JoinRelation j = (JoinRelation) relation;
    String right = relation(j.right());
    if (j.right() instanceof JoinRelation) {
      right = "(" + right + ")";
    }
    return relation(j.left())
        + " "
        + j.type().sql()
        + " "
        + right
        + j.on().map(on -> " ON " + on.accept(this)).orElse("");
  }

  private static String name(List<String> parts) {
    return parts.stream().map(Quote::pgIdentifier).collect(Collectors.joining("."));
  }

  private String list(List<Expression> expressions) {
    return expressions.stream().map(e -> e.accept(this)).collect(Collectors.joining(", "));
  }

  // Expressions.

  @Override
  public String visitColumn(Column e) {
    return name(e.parts());
  }

  @Override
  public String visitNumber(NumberLiteral e) {
    return e.text();
  }

  @Override
  public String visitString(StringLiteral e) {
    return Quote.pgLiteral(e.value());
  }

  @Override
  public String visitBoolean(BooleanLiteral e) {
    return e.value() ? "TRUE" : "FALSE";
  }

  @Override
  public String visitNull(NullLiteral e) {
    return "NULL";
  }

  @Override
  public String visitTypedLiteral(TypedLiteral e) {
    return e.type().sql() + " " + Quote.pgLiteral(e.value());
  }

  @Override
  public String visitCast(Cast e) {
    return "CAST(" + e.operand().accept(this) + " AS " + e.type().sql() + ")";
  }

  @Override
  public String visitBinary(Binary e) {
    return "("
        + e.left().accept(this)
        + " "
        + e.operator().sql()
        + " "
        + e.right().accept(this)
        + ")";
  }

  @Override
  public String visitUnary(Unary e) {
    String operand = e.operand().accept(this);
    // "- -1" would lex as a comment start "--" without the space.
    return "("
        + e.operator().sql()
        + (e.operator() == UnaryOperator.NOT ? "" : " ")
        + operand
        + ")";
  }

  @Override
  public String visitIs(Is e) {
    return "("
        + e.operand().accept(this)
        + " IS "
        + (e.negated() ? "NOT " : "")
        + e.kind().name()
        + ")";
  }

  @Override
  public String visitIsDistinctFrom(IsDistinctFrom e) {
    return "("
        + e.left().accept(this)
        + " IS "
        + (e.negated() ? "NOT " : "")
        + "DISTINCT FROM "
        + e.right().accept(this)
        + ")";
  }

  @Override
  public String visitBetween(Between e) {
    return "("
        + e.operand().accept(this)
        + (e.negated() ? " NOT" : "")
        + " BETWEEN "
        + e.low().accept(this)
        + " AND "
        + e.high().accept(this)
        + ")";
  }

  @Override
  public String visitInList(InList e) {
    return "("
        + e.operand().accept(this)
        + (e.negated() ? " NOT" : "")
        + " IN ("
        + list(e.values())
        + "))";
  }

  @Override
  public String visitInSubquery(InSubquery e) {
    return "("
        + e.operand().accept(this)
        + (e.negated() ? " NOT" : "")
        + " IN ("
        + e.query().accept(this)
        + "))";
  }

  @Override
  public String visitExists(Exists e) {
    return "EXISTS (" + e.query().accept(this) + ")";
  }

  @Override
  public String visitScalarSubquery(ScalarSubquery e) {
    return "(" + e.query().accept(this) + ")";
  }

  @Override
  public String visitLike(Like e) {
    return "("
        + e.operand().accept(this)
        + (e.negated() ? " NOT" : "")
        + " LIKE "
        + e.pattern().accept(this)
        + ")";
  }

  @Override
  public String visitCase(Case e) {
    StringBuilder out = new StringBuilder("CASE");
    e.operand().ifPresent(o -> out.append(' ').append(o.accept(this)));
    for (When when : e.whens()) {
      out.append(" WHEN ")
          .append(when.condition().accept(this))
          .append(" THEN ")
          .append(when.result().accept(this));
    }
    e.otherwise().ifPresent(o -> out.append(" ELSE ").append(o.accept(this)));
    return out.append(" END").toString();
  }

  @Override
  public String visitFunctionCall(FunctionCall e) {
    if (e.arguments().isEmpty()
        && !e.star()
        && e.name().parts().size() == 1
        && Keywords.RESERVED.contains(e.name().name())) {
      // CURRENT_TIMESTAMP and friends are written without parentheses.
      return e.name().name().toUpperCase(Locale.ROOT);
    }
    String arguments = e.star() ? "*" : (e.distinct() ? "DISTINCT " : "") + list(e.arguments());
    return e.name().parts().stream()
            .map(QueryPrinter::functionName)
            .collect(Collectors.joining("."))
        + "("
        + arguments
        + ")";
  }

  /**
   * A function name part, bare when it is a plain lower-case word: PostgreSQL reads {@code
   * COALESCE(...)} and {@code NULLIF(...)} as syntax, and {@code "coalesce"(...)} as a call of a
   * function that does not exist.
   */
  private static String functionName(String part) {
    return part.matches("[a-z_][a-z0-9_$]*") && !Keywords.RESERVED.contains(part)
        ? part
        : Quote.pgIdentifier(part);
  }

  @Override
  public String visitExtract(Extract e) {
    return "EXTRACT(" + Quote.pgIdentifier(e.field()) + " FROM " + e.source().accept(this) + ")";
  }
}
