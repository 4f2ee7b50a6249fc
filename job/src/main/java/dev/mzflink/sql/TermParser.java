package dev.mzflink.sql;

import static dev.mzflink.sql.TokenCursor.syntaxError;
import static dev.mzflink.sql.TokenCursor.unsupported;

import dev.mzflink.UserError;
import dev.mzflink.sql.Expression.BooleanLiteral;
import dev.mzflink.sql.Expression.Case;
import dev.mzflink.sql.Expression.Cast;
import dev.mzflink.sql.Expression.Exists;
import dev.mzflink.sql.Expression.Extract;
import dev.mzflink.sql.Expression.FunctionCall;
import dev.mzflink.sql.Expression.NullLiteral;
import dev.mzflink.sql.Expression.TypedLiteral;
import dev.mzflink.sql.Expression.When;
import dev.mzflink.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the terms of expressions that are names: literals written as key words, column references,
 * function calls, and PostgreSQL's special forms (CASE, CAST, EXISTS, EXTRACT, SUBSTRING, typed
 * literals, functions written without parentheses).
 */
final class TermParser {
  /** Functions written without parentheses in SQL. */
  private static final Set<String> NILADIC =
      Set.of(
          "current_date",
          "current_time",
          "current_timestamp",
          "localtime",
          "localtimestamp",
          "current_user",
          "session_user",
          "user",
          "current_role",
          "current_catalog",
          "current_schema");

  private final TokenCursor cursor;
  private final ExpressionParser expressions;
  private final QueryParser queries;
  private final TypeNameParser types;

  TermParser(
      TokenCursor cursor, ExpressionParser expressions, QueryParser queries, TypeNameParser types) {
    this.cursor = cursor;
    this.expressions = expressions;
    this.queries = queries;
    this.types = types;
  }

  /** A term starting with the unquoted word {@code t}. */
  Expression keywordOrName(Token t) {
    String word = t.value();
    switch (word) {
      case "true":
      case "false":
        cursor.advance();
        return new BooleanLiteral(word.equals("true"), t.position());
      case "null":
        cursor.advance();
        return new NullLiteral(t.position());
      case "case":
        return caseExpression();
      case "cast":
        return cast();
      case "exists":
        {
          cursor.advance();
          cursor.expect(Kind.LEFT_PAREN, "expected \"(\"");
          Query query = queries.parenthesizedQuery();
          return new Exists(query, t.position());
        }
      case "extract":
        return extract();
      case "substring":
        if (cursor.peek(1).kind() == Kind.LEFT_PAREN) {
          return substring();
        }
        break;
      case "position":
      case "trim":
      case "overlay":
        if (cursor.peek(1).kind() == Kind.LEFT_PAREN) {
          throw unsupported(t, String.format("function %s is not supported", word))
              .withDetail(SUPPORTED_FUNCTIONS);
        }
        break;
      case "array":
        throw unsupported(t, "arrays are not supported");
      case "row":
        if (cursor.peek(1).kind() == Kind.LEFT_PAREN) {
          throw unsupported(t, "row constructors are not supported");
        }
        break;
      case "interval":
        throw unsupported(t, "type interval is not supported in views");
      case "grouping":
        if (cursor.peek(1).kind() == Kind.LEFT_PAREN) {
          throw unsupported(t, "GROUPING is not supported");
        }
        break;
      default:
        break;
    }
    if (NILADIC.contains(word) && cursor.peek(1).kind() != Kind.DOT) {
      cursor.advance();
      if (cursor.peek().kind() == Kind.LEFT_PAREN
          && (word.equals("current_timestamp")
              || word.equals("current_time")
              || word.equals("localtimestamp")
              || word.equals("localtime"))) {
        // CURRENT_TIMESTAMP(3): the precision does not matter, the function is refused anyway.
        cursor.advance();
        cursor.expect(Kind.NUMBER, "expected a precision");
        cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
      }
      return new FunctionCall(QualifiedName.of(word), List.of(), false, false, t.position());
    }
    if (TypeName.startsTypedLiteral(word)) {
      // DATE '2024-01-31', timestamp with time zone '...': a type name right before a string.
      int save = cursor.mark();
      try {
        TypeName type = types.typeName();
        if (cursor.peek().kind() == Kind.STRING) {
          Token literal = cursor.next();
          return new TypedLiteral(type, literal.value(), t.position());
        }
      } catch (UserError notAType) {
        // not a typed literal: read it as a name below
      }
      cursor.reset(save);
    }
    if (Keywords.RESERVED.contains(word)) {
      throw syntaxError(t, "expected an expression");
    }
    if (Keywords.TYPE_FUNCTION_NAME.contains(word) && cursor.peek(1).kind() != Kind.LEFT_PAREN) {
      throw syntaxError(t, "expected an expression");
    }
    return nameOrCall();
  }

  static final String SUPPORTED_FUNCTIONS =
      "mzflink translates count, sum, avg, min, max, coalesce, nullif, lower, upper, length, substr, substring, "
          + "date_trunc and extract.";

  /** A column reference or a function call. */
  Expression nameOrCall() {
    Token start = cursor.peek();
    List<String> parts = new ArrayList<>();
    parts.add(cursor.next().value());
    while (cursor.peek().kind() == Kind.DOT) {
      cursor.advance();
      Token part = cursor.peek();
      if (part.kind() == Kind.OPERATOR && part.value().equals("*")) {
        throw syntaxError(part, "expected a column name (t.* is only allowed in the select list)");
      }
      if (!part.isIdentifier()) {
        throw syntaxError(part, "expected a name");
      }
      cursor.advance();
      parts.add(part.value());
    }
    if (parts.size() > 4) {
      throw UserError.at(
          start.position(),
          String.format(
              "improper qualified name (too many dotted names): %s", String.join(".", parts)));
    }
    if (cursor.peek().kind() != Kind.LEFT_PAREN) {
      return new Expression.Column(parts, start.position());
    }
    if (parts.size() > 3) {
      throw UserError.at(
          start.position(),
          String.format(
              "improper qualified name (too many dotted names): %s", String.join(".", parts)));
    }
    cursor.advance(); // (
    QualifiedName name = new QualifiedName(parts);
    boolean distinct = false;
    boolean star = false;
    List<Expression> arguments = new ArrayList<>();
    if (cursor.atOperator("*")) {
      cursor.advance();
      star = true;
    } else if (cursor.peek().kind() != Kind.RIGHT_PAREN) {
      if (cursor.peek().isKeyword("distinct")) {
        cursor.advance();
        distinct = true;
      } else {
        cursor.acceptKeyword("all");
      }
      if (cursor.peek().isKeyword("variadic")) {
        throw unsupported(cursor.peek(), "VARIADIC arguments are not supported");
      }
      do {
        arguments.add(expressions.expression());
      } while (cursor.accept(Kind.COMMA));
    }
    if (cursor.peek().isKeyword("order")) {
      throw unsupported(cursor.peek(), "ORDER BY in aggregate calls is not supported");
    }
    cursor.expect(Kind.RIGHT_PAREN, "expected \",\" or \")\"");
    if (cursor.peek().isKeyword("within")) {
      throw unsupported(cursor.peek(), "WITHIN GROUP is not supported");
    }
    if (cursor.peek().isKeyword("filter")) {
      throw unsupported(cursor.peek(), "FILTER clauses are not supported")
          .withHint("Move the condition into the argument: sum(CASE WHEN condition THEN x END).");
    }
    if (cursor.peek().isKeyword("over")) {
      throw unsupported(cursor.peek(), "window functions are not supported");
    }
    return new FunctionCall(name, arguments, distinct, star, start.position());
  }

  private Expression caseExpression() {
    Token start = cursor.next();
    Optional<Expression> operand = Optional.empty();
    if (!cursor.peek().isKeyword("when")) {
      operand = Optional.of(expressions.expression());
    }
    List<When> whens = new ArrayList<>();
    while (cursor.acceptKeyword("when")) {
      Expression condition = expressions.expression();
      cursor.expectKeyword("then");
      whens.add(new When(condition, expressions.expression()));
    }
    if (whens.isEmpty()) {
      throw syntaxError(cursor.peek(), "expected WHEN");
    }
    Optional<Expression> otherwise = Optional.empty();
    if (cursor.acceptKeyword("else")) {
      otherwise = Optional.of(expressions.expression());
    }
    cursor.expectKeyword("end");
    return new Case(operand, whens, otherwise, start.position());
  }

  private Expression cast() {
    Token start = cursor.next();
    cursor.expect(Kind.LEFT_PAREN, "expected \"(\"");
    Expression operand = expressions.expression();
    cursor.expectKeyword("as");
    TypeName type = types.typeName();
    cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
    return new Cast(operand, type, start.position());
  }

  private Expression extract() {
    Token start = cursor.next();
    cursor.expect(Kind.LEFT_PAREN, "expected \"(\"");
    Token field = cursor.peek();
    String name;
    if (field.kind() == Kind.IDENTIFIER
        || field.kind() == Kind.QUOTED_IDENTIFIER
        || field.kind() == Kind.STRING) {
      name = field.value().toLowerCase(Locale.ROOT);
      cursor.advance();
    } else {
      throw syntaxError(field, "expected a field name");
    }
    cursor.expectKeyword("from");
    Expression source = expressions.expression();
    cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
    return new Extract(name, source, start.position());
  }

  /** {@code SUBSTRING(s FROM a [FOR b])} or {@code SUBSTRING(s, a [, b])}. */
  private Expression substring() {
    Token start = cursor.next();
    cursor.advance(); // (
    List<Expression> arguments = new ArrayList<>();
    arguments.add(expressions.expression());
    if (cursor.acceptKeyword("from")) {
      arguments.add(expressions.expression());
      if (cursor.acceptKeyword("for")) {
        arguments.add(expressions.expression());
      }
    } else if (cursor.peek().isKeyword("for")) {
      throw unsupported(cursor.peek(), "SUBSTRING ... FOR without FROM is not supported")
          .withHint("Write substring(s FROM 1 FOR n).");
    } else {
      while (cursor.accept(Kind.COMMA)) {
        arguments.add(expressions.expression());
      }
    }
    cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
    return new FunctionCall(
        QualifiedName.of("substring"), arguments, false, false, start.position());
  }
}
