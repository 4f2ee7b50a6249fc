package dev.mzflink.sql;

import static dev.mzflink.sql.TokenCursor.syntaxError;
import static dev.mzflink.sql.TokenCursor.unsupported;

import dev.mzflink.sql.Expression.Between;
import dev.mzflink.sql.Expression.Binary;
import dev.mzflink.sql.Expression.BinaryOperator;
import dev.mzflink.sql.Expression.Cast;
import dev.mzflink.sql.Expression.InList;
import dev.mzflink.sql.Expression.InSubquery;
import dev.mzflink.sql.Expression.Is;
import dev.mzflink.sql.Expression.IsDistinctFrom;
import dev.mzflink.sql.Expression.IsKind;
import dev.mzflink.sql.Expression.Like;
import dev.mzflink.sql.Expression.NumberLiteral;
import dev.mzflink.sql.Expression.ScalarSubquery;
import dev.mzflink.sql.Expression.StringLiteral;
import dev.mzflink.sql.Expression.Unary;
import dev.mzflink.sql.Expression.UnaryOperator;
import dev.mzflink.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses expressions by PostgreSQL's operator precedence, from OR down to postfix casts; the terms
 * operators apply to that start with a word are {@link TermParser}'s, subqueries {@link
 * QueryParser}'s.
 */
final class ExpressionParser {
  private final TokenCursor cursor;
  private final QueryParser queries;
  private final TypeNameParser types;
  private final TermParser terms;

  ExpressionParser(TokenCursor cursor, QueryParser queries) {
    this.cursor = cursor;
    this.queries = queries;
    this.types = new TypeNameParser(cursor);
    this.terms = new TermParser(cursor, this, queries, types);
  }

  // Expressions, from the loosest binding to the tightest, as in PostgreSQL's grammar.

  Expression expression() {
    cursor.enter(cursor.peek());
    Expression e = or();
    cursor.leave(1);
    return e;
  }

  private Expression or() {
    Expression left = and();
    int chain = 0;
    while (cursor.peek().isKeyword("or")) {
      Token t = cursor.next();
      cursor.enter(t);
      chain++;
      left = new Binary(BinaryOperator.OR, left, and(), t.position());
    }
    cursor.leave(chain);
    return left;
  }

  private Expression and() {
    Expression left = not();
    int chain = 0;
    while (cursor.peek().isKeyword("and")) {
      Token t = cursor.next();
      cursor.enter(t);
      chain++;
      left = new Binary(BinaryOperator.AND, left, not(), t.position());
    }
    cursor.leave(chain);
    return left;
  }

  private Expression not() {
    if (cursor.peek().isKeyword("not")) {
      Token t = cursor.next();
      cursor.enter(t);
      Expression operand = not();
      cursor.leave(1);
      return new Unary(UnaryOperator.NOT, operand, t.position());
    }
    return isTest();
  }

  private Expression isTest() {
    Expression left = comparison();
    int chain = 0;
    try {
      while (true) {
        Token t = cursor.peek();
        if (t.isKeyword("isnull") || t.isKeyword("notnull")) {
          cursor.advance();
          cursor.enter(t);
          chain++;
          left = new Is(left, IsKind.NULL, t.isKeyword("notnull"), t.position());
        } else if (t.isKeyword("is")) {
          cursor.advance();
          cursor.enter(t);
          chain++;
          boolean negated = cursor.acceptKeyword("not");
          Token what = cursor.next();
          if (what.isKeyword("null")) {
            left = new Is(left, IsKind.NULL, negated, t.position());
          } else if (what.isKeyword("true")) {
            left = new Is(left, IsKind.TRUE, negated, t.position());
          } else if (what.isKeyword("false")) {
            left = new Is(left, IsKind.FALSE, negated, t.position());
          } else if (what.isKeyword("unknown")) {
            left = new Is(left, IsKind.UNKNOWN, negated, t.position());
          } else if (what.isKeyword("distinct")) {
            cursor.expectKeyword("from");
            left = new IsDistinctFrom(left, comparison(), negated, t.position());
          } else {
            throw syntaxError(what, "expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM");
          }
        } else {
          return left;
        }
      }
    } finally {
      cursor.leave(chain);
    }
  }

  private Expression comparison() {
    Expression left = predicate();
    int chain = 0;
    try {
      while (true) {
        Token t = cursor.peek();
        BinaryOperator op = comparisonOperator(t);
        if (op == null) {
          return left;
        }
        cursor.advance();
        cursor.enter(t);
        chain++;
        Token quantifier = cursor.peek();
        if ((quantifier.isKeyword("any")
                || quantifier.isKeyword("all")
                || quantifier.isKeyword("some"))
            && cursor.peek(1).kind() == Kind.LEFT_PAREN) {
          throw unsupported(
                  quantifier,
                  String.format(
                      "%s (...) comparisons are not supported",
                      quantifier.value().toUpperCase(Locale.ROOT)))
              .withHint("Use IN (...) or EXISTS (...) instead.");
        }
        left = new Binary(op, left, predicate(), t.position());
      }
    } finally {
      cursor.leave(chain);
    }
  }

  private static BinaryOperator comparisonOperator(Token t) {
    if (t.kind() != Kind.OPERATOR) {
      return null;
    }
    return switch (t.value()) {
      case "=" -> BinaryOperator.EQUAL;
      case "<>", "!=" -> BinaryOperator.NOT_EQUAL;
      case "<" -> BinaryOperator.LESS;
      case "<=" -> BinaryOperator.LESS_OR_EQUAL;
      case ">" -> BinaryOperator.GREATER;
      case ">=" -> BinaryOperator.GREATER_OR_EQUAL;
      default -> null;
    };
  }

  private Expression predicate() {
    Expression left = otherOperators();
    int chain = 0;
    try {
      while (true) {
        Token t = cursor.peek();
        boolean negated = false;
        Token keyword = t;
        if (t.isKeyword("not")) {
          Token after = cursor.peek(1);
          if (!(after.isKeyword("between")
              || after.isKeyword("in")
              || after.isKeyword("like")
              || after.isKeyword("ilike")
              || after.isKeyword("similar"))) {
            return left;
          }
          negated = true;
          keyword = after;
        }
        if (keyword.isKeyword("between") || keyword.isKeyword("in") || keyword.isKeyword("like")) {
          cursor.enter(keyword);
          chain++;
        }
        if (keyword.isKeyword("between")) {
          cursor.advance(negated ? 2 : 1);
          if (cursor.peek().isKeyword("symmetric")) {
            throw unsupported(cursor.peek(), "BETWEEN SYMMETRIC is not supported");
          }
          cursor.acceptKeyword("asymmetric");
          Expression low = otherOperators();
          cursor.expectKeyword("and");
          Expression high = otherOperators();
          left = new Between(left, low, high, negated, keyword.position());
        } else if (keyword.isKeyword("in")) {
          cursor.advance(negated ? 2 : 1);
          cursor.expect(Kind.LEFT_PAREN, "expected \"(\"");
          Token first = cursor.peek();
          if (first.isKeyword("select") || first.isKeyword("with") || first.isKeyword("values")) {
            if (first.isKeyword("with")) {
              throw unsupported(first, "WITH queries (common table expressions) are not supported");
            }
            Query query = queries.parenthesizedQuery();
            left = new InSubquery(left, query, negated, keyword.position());
          } else {
            List<Expression> values = new ArrayList<>();
            do {
              values.add(expression());
            } while (cursor.accept(Kind.COMMA));
            cursor.expect(Kind.RIGHT_PAREN, "expected \",\" or \")\"");
            left = new InList(left, values, negated, keyword.position());
          }
        } else if (keyword.isKeyword("like")) {
          cursor.advance(negated ? 2 : 1);
          Expression pattern = otherOperators();
          if (cursor.peek().isKeyword("escape")) {
            throw unsupported(cursor.peek(), "LIKE ... ESCAPE is not supported");
          }
          left = new Like(left, pattern, negated, keyword.position());
        } else if (keyword.isKeyword("ilike") || keyword.isKeyword("similar")) {
          throw unsupported(
                  keyword,
                  String.format("%s is not supported", keyword.value().toUpperCase(Locale.ROOT)))
              .withHint(
                  keyword.isKeyword("ilike")
                      ? "Write lower(x) LIKE lower(pattern) instead."
                      : "Use LIKE instead.");
        } else {
          return left;
        }
      }
    } finally {
      cursor.leave(chain);
    }
  }

  /** {@code ||} and every operator PostgreSQL puts at this level; only {@code ||} is supported. */
  private Expression otherOperators() {
    Expression left = additive();
    int chain = 0;
    try {
      while (true) {
        Token t = cursor.peek();
        if (t.kind() != Kind.OPERATOR || comparisonOperator(t) != null) {
          return left;
        }
        if (!t.value().equals("||")) {
          throw unsupported(t, String.format("operator %s is not supported", t.value()));
        }
        cursor.advance();
        cursor.enter(t);
        chain++;
        left = new Binary(BinaryOperator.CONCAT, left, additive(), t.position());
      }
    } finally {
      cursor.leave(chain);
    }
  }

  private Expression additive() {
    Expression left = multiplicative();
    int chain = 0;
    try {
      while (cursor.atOperator("+") || cursor.atOperator("-")) {
        Token t = cursor.next();
        cursor.enter(t);
        chain++;
        BinaryOperator op = t.value().equals("+") ? BinaryOperator.ADD : BinaryOperator.SUBTRACT;
        left = new Binary(op, left, multiplicative(), t.position());
      }
      return left;
    } finally {
      cursor.leave(chain);
    }
  }

  private Expression multiplicative() {
    Expression left = unary();
    int chain = 0;
    try {
      while (cursor.atOperator("*") || cursor.atOperator("/") || cursor.atOperator("%")) {
        Token t = cursor.next();
        cursor.enter(t);
        chain++;
        BinaryOperator op =
            switch (t.value()) {
              case "*" -> BinaryOperator.MULTIPLY;
              case "/" -> BinaryOperator.DIVIDE;
              default -> BinaryOperator.MODULO;
            };
        left = new Binary(op, left, unary(), t.position());
      }
      if (cursor.atOperator("^")) {
        throw unsupported(cursor.peek(), "operator ^ is not supported");
      }
      return left;
    } finally {
      cursor.leave(chain);
    }
  }

  private Expression unary() {
    Token t = cursor.peek();
    if (cursor.atOperator("-") || cursor.atOperator("+")) {
      cursor.advance();
      cursor.enter(t);
      Expression operand = unary();
      cursor.leave(1);
      return new Unary(
          t.value().equals("-") ? UnaryOperator.MINUS : UnaryOperator.PLUS, operand, t.position());
    }
    return postfix();
  }

  private Expression postfix() {
    Expression e = primary();
    int chain = 0;
    try {
      while (true) {
        Token t = cursor.peek();
        if (t.kind() == Kind.DOUBLE_COLON) {
          cursor.advance();
          cursor.enter(t);
          chain++;
          e = new Cast(e, types.typeName(), t.position());
        } else if (t.kind() == Kind.LEFT_BRACKET) {
          throw unsupported(t, "array subscripts are not supported");
        } else if (t.isKeyword("collate")) {
          throw unsupported(t, "COLLATE is not supported")
              .withDetail("mzflink compares strings by code point, as the C collation does.");
        } else if (t.isKeyword("at") && cursor.peek(1).isKeyword("time")) {
          throw unsupported(t, "AT TIME ZONE is not supported");
        } else {
          return e;
        }
      }
    } finally {
      cursor.leave(chain);
    }
  }

  private Expression primary() {
    Token t = cursor.peek();
    switch (t.kind()) {
      case NUMBER:
        cursor.advance();
        return new NumberLiteral(t.value(), t.position());
      case STRING:
        cursor.advance();
        return new StringLiteral(t.value(), t.position());
      case PARAMETER:
        throw unsupported(t, "parameters ($" + t.value() + ") are not supported in views");
      case LEFT_PAREN:
        return parenthesized();
      case IDENTIFIER:
        return terms.keywordOrName(t);
      case QUOTED_IDENTIFIER:
        return terms.nameOrCall();
      default:
        throw syntaxError(t, "expected an expression");
    }
  }

  private Expression parenthesized() {
    Token open = cursor.next();
    Token first = cursor.peek();
    if (first.isKeyword("select") || first.isKeyword("with") || first.isKeyword("values")) {
      if (first.isKeyword("with")) {
        throw unsupported(first, "WITH queries (common table expressions) are not supported");
      }
      Query query = queries.parenthesizedQuery();
      return new ScalarSubquery(query, open.position());
    }
    Expression inner = expression();
    if (cursor.peek().kind() == Kind.COMMA) {
      throw unsupported(open, "row constructors are not supported");
    }
    cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
    return inner;
  }
}
