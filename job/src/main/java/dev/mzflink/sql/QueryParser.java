package dev.mzflink.sql;

import static dev.mzflink.sql.TokenCursor.syntaxError;
import static dev.mzflink.sql.TokenCursor.unsupported;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
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

/**
 * Parses the SELECT of a view, in PostgreSQL's grammar and operator precedence, from the tokens of
 * the script (so positions are the script's). What it recognises but mzflink does not translate
 * (ORDER BY, LIMIT, WITH, window functions, LATERAL, ...) is a {@link UserError} naming the
 * construct at its position; the analyzer refuses the rest (unknown functions, types). Queries and
 * FROM are parsed here, expressions by {@link ExpressionParser}.
 */
final class QueryParser {
  private final TokenCursor cursor;
  private final ExpressionParser expressions;

  QueryParser(TokenCursor cursor) {
    this.cursor = cursor;
    this.expressions = new ExpressionParser(cursor, this);
  }

  /** The query of a CREATE VIEW: a query expression, without ORDER BY, LIMIT and friends. */
  Query viewQuery() {
    if (cursor.peek().isKeyword("with")) {
      throw unsupported(cursor.peek(), "WITH queries (common table expressions) are not supported")
          .withHint("Create a view for each WITH query and select from it.");
    }
    Query query = queryExpression();
    refuseTrailingClauses();
    return query;
  }

  // Queries.

  private Query queryExpression() {
    cursor.enter(cursor.peek());
    int levels = 1;
    try {
      Query left = queryTerm();
      while (true) {
        Token t = cursor.peek();
        if (t.isKeyword("union")) {
          cursor.advance();
          cursor.enter(t);
          levels++;
          boolean all = cursor.acceptKeyword("all");
          if (!all) {
            cursor.acceptKeyword("distinct");
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
    } finally {
      cursor.leave(levels);
    }
  }

  private Query queryTerm() {
    Token t = cursor.peek();
    if (t.kind() == Kind.LEFT_PAREN) {
      cursor.advance();
      return parenthesizedQuery();
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
    Token t = cursor.peek();
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

  /** The rest of a query in parentheses, after its "(": the query, then ")". */
  Query parenthesizedQuery() {
    Query query = queryExpression();
    refuseTrailingClauses();
    cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
    return query;
  }

  private Select select() {
    SourcePosition start = cursor.peek().position();
    cursor.advance(); // SELECT
    boolean distinct = false;
    if (cursor.peek().isKeyword("distinct")) {
      cursor.advance();
      distinct = true;
      if (cursor.peek().isKeyword("on")) {
        throw unsupported(cursor.peek(), "SELECT DISTINCT ON is not supported")
            .withHint("Use GROUP BY with min() or max() instead.");
      }
    } else {
      cursor.acceptKeyword("all");
    }
    List<SelectItem> items = new ArrayList<>();
    do {
      items.add(selectItem());
    } while (cursor.accept(Kind.COMMA));
    if (cursor.peek().isKeyword("into")) {
      throw unsupported(cursor.peek(), "SELECT INTO is not supported in views");
    }
    List<Relation> from = new ArrayList<>();
    if (cursor.acceptKeyword("from")) {
      do {
        from.add(relation());
      } while (cursor.accept(Kind.COMMA));
    }
    Optional<Expression> where = Optional.empty();
    if (cursor.acceptKeyword("where")) {
      where = Optional.of(expressions.expression());
    }
    List<Expression> groupBy = new ArrayList<>();
    if (cursor.peek().isKeyword("group")) {
      cursor.advance();
      cursor.expectKeyword("by");
      Token first = cursor.peek();
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
        groupBy.add(expressions.expression());
      } while (cursor.accept(Kind.COMMA));
    }
    Optional<Expression> having = Optional.empty();
    if (cursor.acceptKeyword("having")) {
      having = Optional.of(expressions.expression());
    }
    if (cursor.peek().isKeyword("window")) {
      throw unsupported(cursor.peek(), "window functions are not supported");
    }
    return new Select(distinct, items, from, where, groupBy, having, start);
  }

  private SelectItem selectItem() {
    Token t = cursor.peek();
    if (t.kind() == Kind.OPERATOR && t.value().equals("*")) {
      cursor.advance();
      return new AllColumns(List.of(), t.position());
    }
    // name.*, name.name.*
    if (t.isIdentifier()) {
      int look = 0;
      List<String> qualifier = new ArrayList<>();
      while (cursor.peek(look).isIdentifier() && cursor.peek(look + 1).kind() == Kind.DOT) {
        qualifier.add(cursor.peek(look).value());
        look += 2;
        Token next = cursor.peek(look);
        if (next.kind() == Kind.OPERATOR && next.value().equals("*")) {
          cursor.advance(look + 1);
          return new AllColumns(qualifier, t.position());
        }
      }
    }
    Expression e = expressions.expression();
    Optional<String> alias = Optional.empty();
    if (cursor.acceptKeyword("as")) {
      Token name = cursor.peek();
      if (!name.isIdentifier()) {
        throw syntaxError(name, "expected a column alias");
      }
      cursor.advance();
      alias = Optional.of(name.value());
    } else if (cursor.peek().kind() == Kind.QUOTED_IDENTIFIER
        || (cursor.peek().kind() == Kind.IDENTIFIER && Keywords.isName(cursor.peek().value()))) {
      alias = Optional.of(cursor.peek().value());
      cursor.advance();
    }
    return new ExpressionItem(e, alias, t.position());
  }

  // FROM.

  private Relation relation() {
    cursor.enter(cursor.peek());
    int levels = 1;
    try {
      Relation left = primaryRelation();
      while (true) {
        Token t = cursor.peek();
        JoinType type;
        if (t.isKeyword("natural")) {
          throw unsupported(t, "NATURAL JOIN is not supported")
              .withHint("Join with ON and name the columns.");
        } else if (t.isKeyword("cross")) {
          cursor.advance();
          cursor.enter(t);
          levels++;
          cursor.expectKeyword("join");
          Relation right = primaryRelation();
          left = new JoinRelation(JoinType.CROSS, left, right, Optional.empty(), t.position());
          continue;
        } else if (t.isKeyword("join") || t.isKeyword("inner")) {
          cursor.advance();
          if (t.isKeyword("inner")) {
            cursor.expectKeyword("join");
          }
          type = JoinType.INNER;
        } else if (t.isKeyword("left") || t.isKeyword("right") || t.isKeyword("full")) {
          cursor.advance();
          cursor.acceptKeyword("outer");
          cursor.expectKeyword("join");
          type =
              t.isKeyword("left")
                  ? JoinType.LEFT
                  : t.isKeyword("right") ? JoinType.RIGHT : JoinType.FULL;
        } else {
          return left;
        }
        cursor.enter(t);
        levels++;
        Relation right = primaryRelation();
        Token on = cursor.peek();
        if (on.isKeyword("using")) {
          throw unsupported(on, "JOIN ... USING is not supported")
              .withHint("Write the condition with ON: JOIN b ON a.x = b.x.");
        }
        if (!on.isKeyword("on")) {
          throw syntaxError(on, "expected ON");
        }
        cursor.advance();
        Expression condition = expressions.expression();
        left = new JoinRelation(type, left, right, Optional.of(condition), t.position());
      }
    } finally {
      cursor.leave(levels);
    }
  }

  private Relation primaryRelation() {
    Token t = cursor.peek();
    if (t.isKeyword("lateral")) {
      throw unsupported(t, "LATERAL is not supported");
    }
    if (t.isKeyword("only")) {
      throw unsupported(t, "ONLY is not supported")
          .withDetail("Views of sources have no inheritance.");
    }
    if (t.kind() == Kind.LEFT_PAREN) {
      Token next = cursor.peek(1);
      if (next.isKeyword("select")
          || next.isKeyword("with")
          || next.isKeyword("values")
          || next.kind() == Kind.LEFT_PAREN) {
        cursor.advance();
        if (next.isKeyword("with")) {
          throw unsupported(next, "WITH queries (common table expressions) are not supported")
              .withHint("Create a view for each WITH query and select from it.");
        }
        Query query = parenthesizedQuery();
        Optional<String> alias = alias();
        return new SubqueryRelation(query, alias, t.position());
      }
      cursor.advance();
      Relation inner = relation();
      cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
      if (cursor.peek().isKeyword("as")
          || (cursor.peek().isIdentifier() && Keywords.isName(cursor.peek().value()))) {
        throw unsupported(cursor.peek(), "aliases of parenthesized joins are not supported");
      }
      return inner;
    }
    if (!t.isIdentifier() || (t.kind() == Kind.IDENTIFIER && !Keywords.isName(t.value()))) {
      throw syntaxError(t, "expected a table name or \"(\"");
    }
    QualifiedName name = cursor.qualifiedName("table name");
    if (cursor.peek().kind() == Kind.LEFT_PAREN) {
      throw unsupported(t, "functions in FROM are not supported");
    }
    if (cursor.peek().isKeyword("tablesample")) {
      throw unsupported(cursor.peek(), "TABLESAMPLE is not supported");
    }
    return new TableRelation(name, alias(), t.position());
  }

  private Optional<String> alias() {
    Optional<String> alias = Optional.empty();
    if (cursor.acceptKeyword("as")) {
      Token name = cursor.peek();
      if (!name.isIdentifier()
          || (name.kind() == Kind.IDENTIFIER && !Keywords.isName(name.value()))) {
        throw syntaxError(name, "expected an alias");
      }
      cursor.advance();
      alias = Optional.of(name.value());
    } else if (cursor.peek().kind() == Kind.QUOTED_IDENTIFIER
        || (cursor.peek().kind() == Kind.IDENTIFIER && Keywords.isName(cursor.peek().value()))) {
      alias = Optional.of(cursor.peek().value());
      cursor.advance();
    }
    if (alias.isPresent() && cursor.peek().kind() == Kind.LEFT_PAREN) {
      throw unsupported(cursor.peek(), "column alias lists are not supported")
          .withHint("Name the columns with AS in the subquery's select list.");
    }
    return alias;
  }
}
