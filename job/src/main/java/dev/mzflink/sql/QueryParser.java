package dev.mzflink.sql;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.sql.Expression.Between;
import dev.mzflink.sql.Expression.Binary;
import dev.mzflink.sql.Expression.BinaryOperator;
import dev.mzflink.sql.Expression.BooleanLiteral;
import dev.mzflink.sql.Expression.Case;
import dev.mzflink.sql.Expression.Cast;
import dev.mzflink.sql.Expression.Exists;
import dev.mzflink.sql.Expression.Extract;
import dev.mzflink.sql.Expression.FunctionCall;
import dev.mzflink.sql.Expression.InList;
import dev.mzflink.sql.Expression.InSubquery;
import dev.mzflink.sql.Expression.Is;
import dev.mzflink.sql.Expression.IsDistinctFrom;
import dev.mzflink.sql.Expression.IsKind;
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
import dev.mzflink.sql.Query.JoinType;
import dev.mzflink.sql.Query.Relation;
import dev.mzflink.sql.Query.Select;
import dev.mzflink.sql.Query.SelectItem;
import dev.mzflink.sql.Query.SetOperation;
import dev.mzflink.sql.Query.SubqueryRelation;
import dev.mzflink.sql.Query.TableRelation;
import dev.mzflink.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the SELECT of a view, in PostgreSQL's grammar and operator precedence, from the tokens of
 * the script (so positions are the script's). What it recognises but mzflink does not translate
 * (ORDER BY, LIMIT, WITH, window functions, LATERAL, ...) is a {@link UserError} naming the
 * construct at its position; the analyzer refuses the rest (unknown functions, types).
 */
final class QueryParser {
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

  private final List<Token> tokens;
  private int index;

  QueryParser(List<Token> tokens, int index) {
    this.tokens = tokens;
    this.index = index;
  }

  int index() {
    return index;
  }

  /** The query of a CREATE VIEW: a query expression, without ORDER BY, LIMIT and friends. */
  Query viewQuery() {
    if (peek().isKeyword("with")) {
      throw unsupported(peek(), "WITH queries (common table expressions) are not supported")
          .withHint("Create a view for each WITH query and select from it.");
    }
    Query query = queryExpression();
    refuseTrailingClauses();
    return query;
  }

  // Queries.

  private Query queryExpression() {
    Query left = queryTerm();
    while (true) {
      Token t = peek();
      if (t.isKeyword("union")) {
        index++;
        boolean all = acceptKeyword("all");
        if (!all) {
          acceptKeyword("distinct");
        }
        Query right = queryTerm();
        left = new SetOperation(all, left, right, t.position());
      } else if (t.isKeyword("intersect") || t.isKeyword("except")) {
        throw unsupported(
                t, String.format("%s is not supported", t.value().toUpperCase(Locale.ROOT)))
            .withHint("Use EXISTS or NOT EXISTS (SELECT ... WHERE ...) instead.");
      } else {
        return left;
      }
    }
  }

  private Query queryTerm() {
    Token t = peek();
    if (t.kind() == Kind.LEFT_PAREN) {
      index++;
      Query inner = queryExpression();
      refuseTrailingClauses();
      expect(Kind.RIGHT_PAREN, "expected \")\"");
      return inner;
    }
    if (t.isKeyword("select")) {
      return select();
    }
    if (t.isKeyword("values")) {
      throw unsupported(t, "VALUES lists are not supported in views");
    }
    if (t.isKeyword("table")) {
      throw unsupported(t, "TABLE queries are not supported")
          .withHint("Write SELECT * FROM the table instead.");
    }
    if (t.isKeyword("with")) {
      throw unsupported(t, "WITH queries (common table expressions) are not supported")
          .withHint("Create a view for each WITH query and select from it.");
    }
    throw syntaxError(t, "expected SELECT");
  }

  /**
   * ORDER BY, LIMIT, OFFSET, FETCH and locking clauses: meaningless or not maintainable in a view.
   */
  private void refuseTrailingClauses() {
    Token t = peek();
    if (t.isKeyword("order")) {
      throw unsupported(t, "ORDER BY in views is not supported")
          .withDetail(
              "A view is a set of rows without order, and its results table has none either.")
          .withHint("Remove ORDER BY and sort when you query the results table.");
    }
    if (t.isKeyword("limit") || t.isKeyword("offset") || t.isKeyword("fetch")) {
      throw unsupported(
              t, String.format("%s in views is not supported", t.value().toUpperCase(Locale.ROOT)))
          .withHint("Materialize the whole view and apply LIMIT when you query the results table.");
    }
    if (t.isKeyword("for")) {
      throw unsupported(t, "locking clauses (FOR UPDATE, FOR SHARE) are not supported in views");
    }
  }

  private Select select() {
    SourcePosition start = peek().position();
    index++; // SELECT
    boolean distinct = false;
    if (peek().isKeyword("distinct")) {
      index++;
      distinct = true;
      if (peek().isKeyword("on")) {
        throw unsupported(peek(), "SELECT DISTINCT ON is not supported")
            .withHint("Use GROUP BY with min() or max() instead.");
      }
    } else {
      acceptKeyword("all");
    }
    List<SelectItem> items = new ArrayList<>();
    do {
      items.add(selectItem());
    } while (accept(Kind.COMMA));
    if (peek().isKeyword("into")) {
      throw unsupported(peek(), "SELECT INTO is not supported in views");
    }
    List<Relation> from = new ArrayList<>();
    if (acceptKeyword("from")) {
      do {
        from.add(relation());
      } while (accept(Kind.COMMA));
    }
    Optional<Expression> where = Optional.empty();
    if (acceptKeyword("where")) {
      where = Optional.of(expression());
    }
    List<Expression> groupBy = new ArrayList<>();
    if (peek().isKeyword("group")) {
      index++;
      expectKeyword("by");
      Token first = peek();
      if (first.isKeyword("rollup") || first.isKeyword("cube") || first.isKeyword("grouping")) {
        throw unsupported(
                first,
                String.format(
                    "GROUP BY %s is not supported", first.value().toUpperCase(Locale.ROOT)))
            .withHint("Create one view per grouping and combine them with UNION ALL.");
      }
      if (first.isKeyword("all") || first.isKeyword("distinct")) {
        throw unsupported(
            first,
            String.format("GROUP BY %s is not supported", first.value().toUpperCase(Locale.ROOT)));
      }
      do {
        groupBy.add(expression());
      } while (accept(Kind.COMMA));
    }
    Optional<Expression> having = Optional.empty();
    if (acceptKeyword("having")) {
      having = Optional.of(expression());
    }
    if (peek().isKeyword("window")) {
      throw unsupported(peek(), "window functions are not supported");
    }
    return new Select(distinct, items, from, where, groupBy, having, start);
  }

  private SelectItem selectItem() {
    Token t = peek();
    if (t.kind() == Kind.OPERATOR && t.value().equals("*")) {
      index++;
      return new AllColumns(List.of(), t.position());
    }
    // name.*, name.name.*
    if (t.isIdentifier()) {
      int look = index;
      List<String> qualifier = new ArrayList<>();
      while (tokens.get(look).isIdentifier() && tokens.get(look + 1).kind() == Kind.DOT) {
        qualifier.add(tokens.get(look).value());
        look += 2;
        Token next = tokens.get(look);
        if (next.kind() == Kind.OPERATOR && next.value().equals("*")) {
          index = look + 1;
          return new AllColumns(qualifier, t.position());
        }
      }
    }
    Expression e = expression();
    Optional<String> alias = Optional.empty();
    if (acceptKeyword("as")) {
      Token name = peek();
      if (!name.isIdentifier()) {
        throw syntaxError(name, "expected a column alias");
      }
      index++;
      alias = Optional.of(name.value());
    } else if (peek().kind() == Kind.QUOTED_IDENTIFIER
        || (peek().kind() == Kind.IDENTIFIER && Keywords.isName(peek().value()))) {
      alias = Optional.of(peek().value());
      index++;
    }
    return new ExpressionItem(e, alias, t.position());
  }

  // FROM.

  private Relation relation() {
    Relation left = primaryRelation();
    while (true) {
      Token t = peek();
      JoinType type;
      if (t.isKeyword("natural")) {
        throw unsupported(t, "NATURAL JOIN is not supported")
            .withHint("Join with ON and name the columns.");
      } else if (t.isKeyword("cross")) {
        index++;
        expectKeyword("join");
        Relation right = primaryRelation();
        left = new JoinRelation(JoinType.CROSS, left, right, Optional.empty(), t.position());
        continue;
      } else if (t.isKeyword("join") || t.isKeyword("inner")) {
        index++;
        if (t.isKeyword("inner")) {
          expectKeyword("join");
        }
        type = JoinType.INNER;
      } else if (t.isKeyword("left") || t.isKeyword("right") || t.isKeyword("full")) {
        index++;
        acceptKeyword("outer");
        expectKeyword("join");
        type =
            t.isKeyword("left")
                ? JoinType.LEFT
                : t.isKeyword("right") ? JoinType.RIGHT : JoinType.FULL;
      } else {
        return left;
      }
      Relation right = primaryRelation();
      Token on = peek();
      if (on.isKeyword("using")) {
        throw unsupported(on, "JOIN ... USING is not supported")
            .withHint("Write the condition with ON: JOIN b ON a.x = b.x.");
      }
      if (!on.isKeyword("on")) {
        throw syntaxError(on, "expected ON");
      }
      index++;
      Expression condition = expression();
      left = new JoinRelation(type, left, right, Optional.of(condition), t.position());
    }
  }

  private Relation primaryRelation() {
    Token t = peek();
    if (t.isKeyword("lateral")) {
      throw unsupported(t, "LATERAL is not supported");
    }
    if (t.isKeyword("only")) {
      throw unsupported(t, "ONLY is not supported")
          .withDetail("Views of sources have no inheritance.");
    }
    if (t.kind() == Kind.LEFT_PAREN) {
      Token next = tokens.get(index + 1);
      if (next.isKeyword("select")
          || next.isKeyword("with")
          || next.isKeyword("values")
          || next.kind() == Kind.LEFT_PAREN) {
        index++;
        if (next.isKeyword("with")) {
          throw unsupported(next, "WITH queries (common table expressions) are not supported")
              .withHint("Create a view for each WITH query and select from it.");
        }
        Query query = queryExpression();
        refuseTrailingClauses();
        expect(Kind.RIGHT_PAREN, "expected \")\"");
        Optional<String> alias = alias();
        return new SubqueryRelation(query, alias, t.position());
      }
      index++;
      Relation inner = relation();
      expect(Kind.RIGHT_PAREN, "expected \")\"");
      if (peek().isKeyword("as") || (peek().isIdentifier() && Keywords.isName(peek().value()))) {
        throw unsupported(peek(), "aliases of parenthesized joins are not supported");
      }
      return inner;
    }
    if (!t.isIdentifier() || (t.kind() == Kind.IDENTIFIER && !Keywords.isName(t.value()))) {
      throw syntaxError(t, "expected a table name or \"(\"");
    }
    QualifiedName name = qualifiedName("table name");
    if (peek().kind() == Kind.LEFT_PAREN) {
      throw unsupported(t, "functions in FROM are not supported");
    }
    if (peek().isKeyword("tablesample")) {
      throw unsupported(peek(), "TABLESAMPLE is not supported");
    }
    return new TableRelation(name, alias(), t.position());
  }

  private Optional<String> alias() {
    Optional<String> alias = Optional.empty();
    if (acceptKeyword("as")) {
      Token name = peek();
      if (!name.isIdentifier()
          || (name.kind() == Kind.IDENTIFIER && !Keywords.isName(name.value()))) {
        throw syntaxError(name, "expected an alias");
      }
      index++;
      alias = Optional.of(name.value());
    } else if (peek().kind() == Kind.QUOTED_IDENTIFIER
        || (peek().kind() == Kind.IDENTIFIER && Keywords.isName(peek().value()))) {
      alias = Optional.of(peek().value());
      index++;
    }
    if (alias.isPresent() && peek().kind() == Kind.LEFT_PAREN) {
      throw unsupported(peek(), "column alias lists are not supported")
          .withHint("Name the columns with AS in the subquery's select list.");
    }
    return alias;
  }

  // Expressions, from the loosest binding to the tightest, as in PostgreSQL's grammar.

  Expression expression() {
    return or();
  }

  private Expression or() {
    Expression left = and();
    while (peek().isKeyword("or")) {
      Token t = next();
      left = new Binary(BinaryOperator.OR, left, and(), t.position());
    }
    return left;
  }

  private Expression and() {
    Expression left = not();
    while (peek().isKeyword("and")) {
      Token t = next();
      left = new Binary(BinaryOperator.AND, left, not(), t.position());
    }
    return left;
  }

  private Expression not() {
    if (peek().isKeyword("not")) {
      Token t = next();
      return new Unary(UnaryOperator.NOT, not(), t.position());
    }
    return isTest();
  }

  private Expression isTest() {
    Expression left = comparison();
    while (true) {
      Token t = peek();
      if (t.isKeyword("isnull") || t.isKeyword("notnull")) {
        index++;
        left = new Is(left, IsKind.NULL, t.isKeyword("notnull"), t.position());
      } else if (t.isKeyword("is")) {
        index++;
        boolean negated = acceptKeyword("not");
        Token what = next();
        if (what.isKeyword("null")) {
          left = new Is(left, IsKind.NULL, negated, t.position());
        } else if (what.isKeyword("true")) {
          left = new Is(left, IsKind.TRUE, negated, t.position());
        } else if (what.isKeyword("false")) {
          left = new Is(left, IsKind.FALSE, negated, t.position());
        } else if (what.isKeyword("unknown")) {
          left = new Is(left, IsKind.UNKNOWN, negated, t.position());
        } else if (what.isKeyword("distinct")) {
          expectKeyword("from");
          left = new IsDistinctFrom(left, comparison(), negated, t.position());
        } else {
          index--;
          throw syntaxError(what, "expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM");
        }
      } else {
        return left;
      }
    }
  }

  private Expression comparison() {
    Expression left = predicate();
    while (true) {
      Token t = peek();
      BinaryOperator op = comparisonOperator(t);
      if (op == null) {
        return left;
      }
      index++;
      Token quantifier = peek();
      if ((quantifier.isKeyword("any")
              || quantifier.isKeyword("all")
              || quantifier.isKeyword("some"))
          && tokens.get(index + 1).kind() == Kind.LEFT_PAREN) {
        throw unsupported(
                quantifier,
                String.format(
                    "%s (...) comparisons are not supported",
                    quantifier.value().toUpperCase(Locale.ROOT)))
            .withHint("Use IN (...) or EXISTS (...) instead.");
      }
      left = new Binary(op, left, predicate(), t.position());
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
    while (true) {
      Token t = peek();
      boolean negated = false;
      Token keyword = t;
      if (t.isKeyword("not")) {
        Token after = tokens.get(index + 1);
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
      if (keyword.isKeyword("between")) {
        index += negated ? 2 : 1;
        if (peek().isKeyword("symmetric")) {
          throw unsupported(peek(), "BETWEEN SYMMETRIC is not supported");
        }
        acceptKeyword("asymmetric");
        Expression low = otherOperators();
        expectKeyword("and");
        Expression high = otherOperators();
        left = new Between(left, low, high, negated, keyword.position());
      } else if (keyword.isKeyword("in")) {
        index += negated ? 2 : 1;
        expect(Kind.LEFT_PAREN, "expected \"(\"");
        Token first = peek();
        if (first.isKeyword("select") || first.isKeyword("with") || first.isKeyword("values")) {
          if (first.isKeyword("with")) {
            throw unsupported(first, "WITH queries (common table expressions) are not supported");
          }
          Query query = queryExpression();
          refuseTrailingClauses();
          expect(Kind.RIGHT_PAREN, "expected \")\"");
          left = new InSubquery(left, query, negated, keyword.position());
        } else {
          List<Expression> values = new ArrayList<>();
          do {
            values.add(expression());
          } while (accept(Kind.COMMA));
          expect(Kind.RIGHT_PAREN, "expected \",\" or \")\"");
          left = new InList(left, values, negated, keyword.position());
        }
      } else if (keyword.isKeyword("like")) {
        index += negated ? 2 : 1;
        Expression pattern = otherOperators();
        if (peek().isKeyword("escape")) {
          throw unsupported(peek(), "LIKE ... ESCAPE is not supported");
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
  }

  /** {@code ||} and every operator PostgreSQL puts at this level; only {@code ||} is supported. */
  private Expression otherOperators() {
    Expression left = additive();
    while (true) {
      Token t = peek();
      if (t.kind() != Kind.OPERATOR || comparisonOperator(t) != null) {
        return left;
      }
      if (!t.value().equals("||")) {
        throw unsupported(t, String.format("operator %s is not supported", t.value()));
      }
      index++;
      left = new Binary(BinaryOperator.CONCAT, left, additive(), t.position());
    }
  }

  private Expression additive() {
    Expression left = multiplicative();
    while (isOperator(peek(), "+") || isOperator(peek(), "-")) {
      Token t = next();
      BinaryOperator op = t.value().equals("+") ? BinaryOperator.ADD : BinaryOperator.SUBTRACT;
      left = new Binary(op, left, multiplicative(), t.position());
    }
    return left;
  }

  private Expression multiplicative() {
    Expression left = unary();
    while (isOperator(peek(), "*") || isOperator(peek(), "/") || isOperator(peek(), "%")) {
      Token t = next();
      BinaryOperator op =
          switch (t.value()) {
            case "*" -> BinaryOperator.MULTIPLY;
            case "/" -> BinaryOperator.DIVIDE;
            default -> BinaryOperator.MODULO;
          };
      left = new Binary(op, left, unary(), t.position());
    }
    if (isOperator(peek(), "^")) {
      throw unsupported(peek(), "operator ^ is not supported");
    }
    return left;
  }

  private Expression unary() {
    Token t = peek();
    if (isOperator(t, "-") || isOperator(t, "+")) {
      index++;
      return new Unary(
          t.value().equals("-") ? UnaryOperator.MINUS : UnaryOperator.PLUS, unary(), t.position());
    }
    return postfix();
  }

  private Expression postfix() {
    Expression e = primary();
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.DOUBLE_COLON) {
        index++;
        e = new Cast(e, typeName(), t.position());
      } else if (t.kind() == Kind.LEFT_BRACKET) {
        throw unsupported(t, "array subscripts are not supported");
      } else if (t.isKeyword("collate")) {
        throw unsupported(t, "COLLATE is not supported")
            .withDetail("mzflink compares strings by code point, as the C collation does.");
      } else if (t.isKeyword("at") && tokens.get(index + 1).isKeyword("time")) {
        throw unsupported(t, "AT TIME ZONE is not supported");
      } else {
        return e;
      }
    }
  }

  private Expression primary() {
    Token t = peek();
    switch (t.kind()) {
      case NUMBER:
        index++;
        return new NumberLiteral(t.value(), t.position());
      case STRING:
        index++;
        return new StringLiteral(t.value(), t.position());
      case PARAMETER:
        throw unsupported(t, "parameters ($" + t.value() + ") are not supported in views");
      case LEFT_PAREN:
        return parenthesized();
      case IDENTIFIER:
        return keywordOrName(t);
      case QUOTED_IDENTIFIER:
        return nameOrCall();
      default:
        throw syntaxError(t, "expected an expression");
    }
  }

  private Expression parenthesized() {
    Token open = next();
    Token first = peek();
    if (first.isKeyword("select") || first.isKeyword("with") || first.isKeyword("values")) {
      if (first.isKeyword("with")) {
        throw unsupported(first, "WITH queries (common table expressions) are not supported");
      }
      Query query = queryExpression();
      refuseTrailingClauses();
      expect(Kind.RIGHT_PAREN, "expected \")\"");
      return new ScalarSubquery(query, open.position());
    }
    Expression inner = expression();
    if (peek().kind() == Kind.COMMA) {
      throw unsupported(open, "row constructors are not supported");
    }
    expect(Kind.RIGHT_PAREN, "expected \")\"");
    return inner;
  }

  private Expression keywordOrName(Token t) {
    String word = t.value();
    switch (word) {
      case "true":
      case "false":
        index++;
        return new BooleanLiteral(word.equals("true"), t.position());
      case "null":
        index++;
        return new NullLiteral(t.position());
      case "case":
        return caseExpression();
      case "cast":
        return cast();
      case "exists":
        {
          index++;
          expect(Kind.LEFT_PAREN, "expected \"(\"");
          Query query = queryExpression();
          refuseTrailingClauses();
          expect(Kind.RIGHT_PAREN, "expected \")\"");
          return new Exists(query, t.position());
        }
      case "extract":
        return extract();
      case "substring":
        if (tokens.get(index + 1).kind() == Kind.LEFT_PAREN) {
          return substring();
        }
        break;
      case "position":
      case "trim":
      case "overlay":
        if (tokens.get(index + 1).kind() == Kind.LEFT_PAREN) {
          throw unsupported(t, String.format("function %s is not supported", word))
              .withDetail(SUPPORTED_FUNCTIONS);
        }
        break;
      case "array":
        throw unsupported(t, "arrays are not supported");
      case "row":
        if (tokens.get(index + 1).kind() == Kind.LEFT_PAREN) {
          throw unsupported(t, "row constructors are not supported");
        }
        break;
      case "interval":
        throw unsupported(t, "type interval is not supported in views");
      case "grouping":
        if (tokens.get(index + 1).kind() == Kind.LEFT_PAREN) {
          throw unsupported(t, "GROUPING is not supported");
        }
        break;
      default:
        break;
    }
    if (NILADIC.contains(word) && tokens.get(index + 1).kind() != Kind.DOT) {
      index++;
      if (peek().kind() == Kind.LEFT_PAREN
          && (word.equals("current_timestamp")
              || word.equals("current_time")
              || word.equals("localtimestamp")
              || word.equals("localtime"))) {
        // CURRENT_TIMESTAMP(3): the precision does not matter, the function is refused anyway.
        index++;
        expect(Kind.NUMBER, "expected a precision");
        expect(Kind.RIGHT_PAREN, "expected \")\"");
      }
      return new FunctionCall(QualifiedName.of(word), List.of(), false, false, t.position());
    }
    if (TypeName.startsTypedLiteral(word)) {
      // DATE '2024-01-31', timestamp with time zone '...': a type name right before a string.
      int save = index;
      try {
        TypeName type = typeName();
        if (peek().kind() == Kind.STRING) {
          Token literal = next();
          return new TypedLiteral(type, literal.value(), t.position());
        }
      } catch (UserError notAType) {
        // not a typed literal: read it as a name below
      }
      index = save;
    }
    if (Keywords.RESERVED.contains(word)) {
      throw syntaxError(t, "expected an expression");
    }
    if (Keywords.TYPE_FUNCTION_NAME.contains(word)
        && tokens.get(index + 1).kind() != Kind.LEFT_PAREN) {
      throw syntaxError(t, "expected an expression");
    }
    return nameOrCall();
  }

  static final String SUPPORTED_FUNCTIONS =
      "mzflink translates count, sum, avg, min, max, coalesce, nullif, lower, upper, length, substr, substring, "
          + "date_trunc and extract.";

  private Expression nameOrCall() {
    Token start = peek();
    List<String> parts = new ArrayList<>();
    parts.add(next().value());
    while (peek().kind() == Kind.DOT) {
      index++;
      Token part = peek();
      if (part.kind() == Kind.OPERATOR && part.value().equals("*")) {
        throw syntaxError(part, "expected a column name (t.* is only allowed in the select list)");
      }
      if (!part.isIdentifier()) {
        throw syntaxError(part, "expected a name");
      }
      index++;
      parts.add(part.value());
    }
    if (parts.size() > 4) {
      throw UserError.at(
          start.position(),
          String.format(
              "improper qualified name (too many dotted names): %s", String.join(".", parts)));
    }
    if (peek().kind() != Kind.LEFT_PAREN) {
      return new Expression.Column(parts, start.position());
    }
    if (parts.size() > 3) {
      throw UserError.at(
          start.position(),
          String.format(
              "improper qualified name (too many dotted names): %s", String.join(".", parts)));
    }
    index++; // (
    QualifiedName name = new QualifiedName(parts);
    boolean distinct = false;
    boolean star = false;
    List<Expression> arguments = new ArrayList<>();
    if (isOperator(peek(), "*")) {
      index++;
      star = true;
    } else if (peek().kind() != Kind.RIGHT_PAREN) {
      if (peek().isKeyword("distinct")) {
        index++;
        distinct = true;
      } else {
        acceptKeyword("all");
      }
      if (peek().isKeyword("variadic")) {
        throw unsupported(peek(), "VARIADIC arguments are not supported");
      }
      do {
        arguments.add(expression());
      } while (accept(Kind.COMMA));
    }
    if (peek().isKeyword("order")) {
      throw unsupported(peek(), "ORDER BY in aggregate calls is not supported");
    }
    expect(Kind.RIGHT_PAREN, "expected \",\" or \")\"");
    if (peek().isKeyword("within")) {
      throw unsupported(peek(), "WITHIN GROUP is not supported");
    }
    if (peek().isKeyword("filter")) {
      throw unsupported(peek(), "FILTER clauses are not supported")
          .withHint("Move the condition into the argument: sum(CASE WHEN condition THEN x END).");
    }
    if (peek().isKeyword("over")) {
      throw unsupported(peek(), "window functions are not supported");
    }
    return new FunctionCall(name, arguments, distinct, star, start.position());
  }

  private Expression caseExpression() {
    Token start = next();
    Optional<Expression> operand = Optional.empty();
    if (!peek().isKeyword("when")) {
      operand = Optional.of(expression());
    }
    List<When> whens = new ArrayList<>();
    while (acceptKeyword("when")) {
      Expression condition = expression();
      expectKeyword("then");
      whens.add(new When(condition, expression()));
    }
    if (whens.isEmpty()) {
      throw syntaxError(peek(), "expected WHEN");
    }
    Optional<Expression> otherwise = Optional.empty();
    if (acceptKeyword("else")) {
      otherwise = Optional.of(expression());
    }
    expectKeyword("end");
    return new Case(operand, whens, otherwise, start.position());
  }

  private Expression cast() {
    Token start = next();
    expect(Kind.LEFT_PAREN, "expected \"(\"");
    Expression operand = expression();
    expectKeyword("as");
    TypeName type = typeName();
    expect(Kind.RIGHT_PAREN, "expected \")\"");
    return new Cast(operand, type, start.position());
  }

  private Expression extract() {
    Token start = next();
    expect(Kind.LEFT_PAREN, "expected \"(\"");
    Token field = peek();
    String name;
    if (field.kind() == Kind.IDENTIFIER
        || field.kind() == Kind.QUOTED_IDENTIFIER
        || field.kind() == Kind.STRING) {
      name = field.value().toLowerCase(Locale.ROOT);
      index++;
    } else {
      throw syntaxError(field, "expected a field name");
    }
    expectKeyword("from");
    Expression source = expression();
    expect(Kind.RIGHT_PAREN, "expected \")\"");
    return new Extract(name, source, start.position());
  }

  /** {@code SUBSTRING(s FROM a [FOR b])} or {@code SUBSTRING(s, a [, b])}. */
  private Expression substring() {
    Token start = next();
    index++; // (
    List<Expression> arguments = new ArrayList<>();
    arguments.add(expression());
    if (acceptKeyword("from")) {
      arguments.add(expression());
      if (acceptKeyword("for")) {
        arguments.add(expression());
      }
    } else if (peek().isKeyword("for")) {
      throw unsupported(peek(), "SUBSTRING ... FOR without FROM is not supported")
          .withHint("Write substring(s FROM 1 FOR n).");
    } else {
      while (accept(Kind.COMMA)) {
        arguments.add(expression());
      }
    }
    expect(Kind.RIGHT_PAREN, "expected \")\"");
    return new FunctionCall(
        QualifiedName.of("substring"), arguments, false, false, start.position());
  }

  /** A type name in any of PostgreSQL's spellings. */
  TypeName typeName() {
    Token start = peek();
    if (!start.isIdentifier()) {
      throw syntaxError(start, "expected a type name");
    }
    String name;
    List<Integer> modifiers = new ArrayList<>();
    if (start.kind() == Kind.QUOTED_IDENTIFIER) {
      index++;
      name = start.value();
      if (name.equals("char")) {
        name = "\"char\"";
      }
    } else {
      String word = next().value();
      if (word.equals("pg_catalog") && peek().kind() == Kind.DOT) {
        index++;
        return typeName();
      }
      switch (word) {
        case "double" -> {
          expectKeyword("precision");
          name = "float8";
        }
        case "float" -> {
          name = "float8";
          if (peek().kind() == Kind.LEFT_PAREN) {
            index++;
            Token p = peek();
            expect(Kind.NUMBER, "expected a precision");
            expect(Kind.RIGHT_PAREN, "expected \")\"");
            int precision = parseModifier(p);
            if (precision < 1 || precision > 53) {
              throw UserError.at(
                  p.position(), "precision for type float must be between 1 and 53 bits");
            }
            name = precision <= 24 ? "float4" : "float8";
          }
          return new TypeName(name, List.of(), start.position());
        }
        case "character", "char" -> {
          name = acceptKeyword("varying") ? "varchar" : "bpchar";
        }
        case "national", "nchar" ->
            throw unsupported(start, "national character types are not supported");
        case "bit", "varbit" -> throw unsupported(start, "bit string types are not supported");
        default -> name = TypeName.ALIASES.getOrDefault(word, word);
      }
    }
    if (peek().kind() == Kind.LEFT_PAREN) {
      index++;
      do {
        Token m = peek();
        if (m.kind() != Kind.NUMBER) {
          throw syntaxError(m, "expected a type modifier");
        }
        index++;
        modifiers.add(parseModifier(m));
      } while (accept(Kind.COMMA));
      expect(Kind.RIGHT_PAREN, "expected \")\"");
    }
    if (name.equals("timestamp") || name.equals("time")) {
      if (peek().isKeyword("with") && tokens.get(index + 1).isKeyword("time")) {
        index += 2;
        expectKeyword("zone");
        name = name + "tz";
      } else if (peek().isKeyword("without")) {
        index++;
        expectKeyword("time");
        expectKeyword("zone");
      }
    }
    if (peek().kind() == Kind.LEFT_BRACKET || peek().isKeyword("array")) {
      throw unsupported(peek(), "array types are not supported");
    }
    return new TypeName(name, modifiers, start.position());
  }

  private static int parseModifier(Token t) {
    try {
      return Integer.parseInt(t.value());
    } catch (NumberFormatException e) {
      throw UserError.at(t.position(), "type modifiers must be simple integer constants");
    }
  }

  // Tokens.

  private Token peek() {
    return tokens.get(index);
  }

  private Token next() {
    return tokens.get(index++);
  }

  private static boolean isOperator(Token t, String op) {
    return t.kind() == Kind.OPERATOR && t.value().equals(op);
  }

  private boolean accept(Kind kind) {
    if (peek().kind() == kind) {
      index++;
      return true;
    }
    return false;
  }

  private void expect(Kind kind, String expected) {
    if (!accept(kind)) {
      throw syntaxError(peek(), expected);
    }
  }

  private boolean acceptKeyword(String word) {
    if (peek().isKeyword(word)) {
      index++;
      return true;
    }
    return false;
  }

  private void expectKeyword(String word) {
    if (!acceptKeyword(word)) {
      throw syntaxError(peek(), "expected " + word.toUpperCase(Locale.ROOT));
    }
  }

  private QualifiedName qualifiedName(String what) {
    SourcePosition at = peek().position();
    List<String> parts = new ArrayList<>();
    parts.add(name(what));
    while (accept(Kind.DOT)) {
      parts.add(name(what));
    }
    if (parts.size() > 3) {
      throw UserError.at(
          at,
          String.format(
              "improper qualified name (too many dotted names): %s", String.join(".", parts)));
    }
    return new QualifiedName(parts);
  }

  private String name(String what) {
    Token t = peek();
    if (!t.isIdentifier()
        || (t.kind() == Kind.IDENTIFIER && Keywords.RESERVED.contains(t.value()))) {
      throw syntaxError(t, "expected " + what);
    }
    index++;
    return t.value();
  }

  private static UserError unsupported(Token at, String message) {
    return UserError.at(at.position(), message);
  }

  static UserError syntaxError(Token at, String expected) {
    String near =
        at.kind() == Kind.END
            ? "syntax error at end of input"
            : "syntax error at or near " + at.describe();
    return UserError.at(at.position(), near)
        .withDetail(Character.toUpperCase(expected.charAt(0)) + expected.substring(1) + ".");
  }
}
