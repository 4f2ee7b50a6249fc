package dev.mzflink.sql;

import static dev.mzflink.sql.TokenCursor.syntaxError;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.sql.Statement.CreateSchema;
import dev.mzflink.sql.Statement.CreateSource;
import dev.mzflink.sql.Statement.CreateView;
import dev.mzflink.sql.Statement.CreateViews;
import dev.mzflink.sql.Statement.Drop;
import dev.mzflink.sql.Statement.ObjectKind;
import dev.mzflink.sql.Statement.Show;
import dev.mzflink.sql.Statement.ShowKind;
import dev.mzflink.sql.Statement.ViewTarget;
import dev.mzflink.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parses a script of Materialize statements separated by semicolons. Every failure is a {@link
 * UserError} with the position of the offending token and what was expected there.
 */
public final class Parser {
  private final TokenCursor cursor;

  private Parser(String text) {
    this.cursor = new TokenCursor(Lexer.tokenize(text));
  }

  /** The statements of {@code script}, in order. */
  public static List<Statement> parse(String script) {
    return new Parser(script).statements();
  }

  private List<Statement> statements() {
    List<Statement> result = new ArrayList<>();
    while (true) {
      while (cursor.peek().kind() == Kind.SEMICOLON) {
        cursor.advance();
      }
      if (cursor.peek().kind() == Kind.END) {
        return result;
      }
      result.add(statement());
      Token after = cursor.peek();
      if (after.kind() == Kind.SEMICOLON) {
        cursor.advance();
      } else if (after.kind() != Kind.END) {
        throw syntaxError(after, "expected \";\" or end of input");
      }
    }
  }

  private Statement statement() {
    Token first = cursor.peek();
    if (first.isKeyword("create")) {
      cursor.advance();
      return create(first.position());
    }
    if (first.isKeyword("drop")) {
      cursor.advance();
      return drop(first.position());
    }
    if (first.isKeyword("show")) {
      cursor.advance();
      return show(first.position());
    }
    throw unsupportedStatement(first);
  }

  private UserError unsupportedStatement(Token first) {
    String word =
        first.kind() == Kind.IDENTIFIER
            ? first.value().toUpperCase(java.util.Locale.ROOT)
            : first.value();
    if (first.kind() == Kind.IDENTIFIER
        && List.of(
                "select",
                "insert",
                "update",
                "delete",
                "alter",
                "tail",
                "subscribe",
                "copy",
                "explain",
                "set",
                "begin",
                "commit",
                "with",
                "values",
                "table",
                "truncate")
            .contains(first.value())) {
      return UserError.at(first.position(), String.format("%s statements are not supported", word))
          .withDetail(
              "mzflink runs CREATE SOURCE, CREATE VIEWS, CREATE [MATERIALIZED] VIEW, CREATE SCHEMA, DROP and SHOW statements.")
          .withHint("Query the results database with psql to read materialized views.");
    }
    return syntaxError(first, "expected CREATE, DROP or SHOW");
  }

  // CREATE ...

  private Statement create(SourcePosition start) {
    boolean materialized = cursor.acceptKeyword("materialized");
    Token what = cursor.peek();
    if (what.isKeyword("source")) {
      cursor.advance();
      return createSource(start, materialized);
    }
    if (what.isKeyword("views")) {
      cursor.advance();
      if (materialized) {
        throw syntaxError(what, "expected SOURCE or VIEW after MATERIALIZED");
      }
      return createViews(start);
    }
    if (what.isKeyword("view")) {
      cursor.advance();
      return createView(start, materialized);
    }
    if (what.isKeyword("schema") && !materialized) {
      cursor.advance();
      boolean ifNotExists = ifNotExists();
      SourcePosition at = cursor.peek().position();
      QualifiedName name = cursor.qualifiedName("schema name");
      if (name.parts().size() > 2) {
        throw UserError.at(at, "schema name " + name + " has too many parts")
            .withDetail(
                "A schema name is a schema, optionally qualified by the database \"materialize\".");
      }
      return new CreateSchema(name, ifNotExists, start);
    }
    if (what.isKeyword("table")
        || what.isKeyword("index")
        || what.isKeyword("sink")
        || what.isKeyword("database")
        || what.isKeyword("type")
        || what.isKeyword("role")
        || what.isKeyword("secret")
        || what.isKeyword("connection")
        || what.isKeyword("cluster")) {
      throw UserError.at(
              what.position(),
              String.format(
                  "CREATE %s is not supported", what.value().toUpperCase(java.util.Locale.ROOT)))
          .withDetail(
              "mzflink supports CREATE SOURCE, CREATE VIEWS, CREATE [MATERIALIZED] VIEW and CREATE SCHEMA.");
    }
    throw syntaxError(
        what,
        materialized
            ? "expected SOURCE or VIEW"
            : "expected SOURCE, VIEWS, VIEW, MATERIALIZED or SCHEMA");
  }

  private boolean ifNotExists() {
    if (cursor.acceptKeyword("if")) {
      cursor.expectKeyword("not");
      cursor.expectKeyword("exists");
      return true;
    }
    return false;
  }

  private boolean ifExists() {
    if (cursor.acceptKeyword("if")) {
      cursor.expectKeyword("exists");
      return true;
    }
    return false;
  }

  private CreateSource createSource(SourcePosition start, boolean materialized) {
    boolean ifNotExists = ifNotExists();
    QualifiedName name = cursor.qualifiedName("source name");
    cursor.expectKeyword("from");
    Token kind = cursor.peek();
    if (!kind.isKeyword("postgres")) {
      if (kind.isIdentifier()) {
        throw UserError.at(
                kind.position(),
                String.format(
                    "sources of type %s are not supported",
                    kind.value().toUpperCase(java.util.Locale.ROOT)))
            .withHint(
                "mzflink reads PostgreSQL sources: CREATE SOURCE ... FROM POSTGRES HOST '...' PUBLICATION '...'.");
      }
      throw syntaxError(kind, "expected POSTGRES");
    }
    cursor.advance();
    String connection = null;
    SourcePosition connectionAt = start;
    String publication = null;
    // HOST and PUBLICATION, in either order, each once.
    for (int i = 0; i < 2; i++) {
      Token option = cursor.peek();
      if (option.isKeyword("host") && connection == null) {
        cursor.advance();
        connectionAt = cursor.peek().position();
        connection = cursor.string("connection string");
      } else if (option.isKeyword("publication") && publication == null) {
        cursor.advance();
        publication = cursor.string("publication name");
      } else if (option.isKeyword("connection")) {
        throw UserError.at(option.position(), "CONNECTION objects are not supported")
            .withHint(
                "Give the connection string inline: HOST 'host=... port=... user=... dbname=...'.");
      } else {
        throw syntaxError(option, connection == null ? "expected HOST" : "expected PUBLICATION");
      }
    }
    return new CreateSource(
        name, materialized, ifNotExists, connection, publication, start, connectionAt);
  }

  private CreateViews createViews(SourcePosition start) {
    boolean ifNotExists = ifNotExists();
    cursor.expectKeyword("from");
    // Materialize's own examples write both CREATE VIEWS FROM SOURCE s and CREATE VIEWS FROM s.
    if (cursor.peek().isKeyword("source") && cursor.peek(1).isIdentifier()) {
      cursor.advance();
    }
    QualifiedName source = cursor.qualifiedName("source name");
    List<ViewTarget> targets = new ArrayList<>();
    if (cursor.peek().kind() == Kind.LEFT_PAREN) {
      cursor.advance();
      do {
        Token at = cursor.peek();
        QualifiedName upstream = cursor.qualifiedName("table name");
        Optional<QualifiedName> alias = Optional.empty();
        if (cursor.acceptKeyword("as")) {
          alias = Optional.of(cursor.qualifiedName("view name"));
        }
        targets.add(new ViewTarget(upstream, alias, at.position()));
      } while (cursor.accept(Kind.COMMA));
      cursor.expect(Kind.RIGHT_PAREN, "expected \",\" or \")\"");
    }
    return new CreateViews(ifNotExists, source, targets, start);
  }

  private CreateView createView(SourcePosition start, boolean materialized) {
    boolean ifNotExists = ifNotExists();
    QualifiedName name = cursor.qualifiedName("view name");
    if (cursor.peek().kind() == Kind.LEFT_PAREN) {
      throw UserError.at(cursor.peek().position(), "column lists in CREATE VIEW are not supported")
          .withHint("Name the columns with AS in the SELECT list.");
    }
    cursor.expectKeyword("as");
    Token first = cursor.peek();
    if (first.kind() == Kind.END || first.kind() == Kind.SEMICOLON) {
      throw syntaxError(first, "expected a query");
    }
    Query query = new QueryParser(cursor).viewQuery();
    return new CreateView(name, materialized, ifNotExists, query, start);
  }

  // DROP ...

  private Drop drop(SourcePosition start) {
    Token what = cursor.peek();
    ObjectKind kind;
    if (what.isKeyword("source")) {
      kind = ObjectKind.SOURCE;
    } else if (what.isKeyword("view")) {
      kind = ObjectKind.VIEW;
    } else if (what.isKeyword("schema")) {
      kind = ObjectKind.SCHEMA;
    } else if (what.isKeyword("materialized")) {
      throw syntaxError(
          what, "expected SOURCE, VIEW or SCHEMA (DROP VIEW drops materialized views too)");
    } else {
      throw syntaxError(what, "expected SOURCE, VIEW or SCHEMA");
    }
    cursor.advance();
    boolean ifExists = ifExists();
    List<QualifiedName> names = new ArrayList<>();
    do {
      names.add(cursor.qualifiedName(kind.noun() + " name"));
    } while (cursor.accept(Kind.COMMA));
    boolean cascade = false;
    if (cursor.acceptKeyword("cascade")) {
      cascade = true;
    } else {
      cursor.acceptKeyword("restrict");
    }
    return new Drop(kind, ifExists, names, cascade, start);
  }

  // SHOW ...

  private Show show(SourcePosition start) {
    Token what = cursor.peek();
    if (what.isKeyword("sources")) {
      cursor.advance();
      return new Show(ShowKind.SOURCES, false, false, fromSchema(), start);
    }
    if (what.isKeyword("schemas")) {
      cursor.advance();
      return new Show(ShowKind.SCHEMAS, false, false, Optional.empty(), start);
    }
    if (what.isKeyword("create")) {
      cursor.advance();
      Token kind = cursor.peek();
      if (kind.isKeyword("source")) {
        cursor.advance();
        return new Show(
            ShowKind.CREATE_SOURCE,
            false,
            false,
            Optional.of(cursor.qualifiedName("source name")),
            start);
      }
      if (kind.isKeyword("view") || kind.isKeyword("materialized")) {
        cursor.advance();
        if (kind.isKeyword("materialized")) {
          cursor.expectKeyword("view");
        }
        return new Show(
            ShowKind.CREATE_VIEW,
            false,
            false,
            Optional.of(cursor.qualifiedName("view name")),
            start);
      }
      throw syntaxError(kind, "expected SOURCE or VIEW");
    }
    if (what.isKeyword("columns")) {
      cursor.advance();
      if (!cursor.acceptKeyword("from") && !cursor.acceptKeyword("in")) {
        throw syntaxError(cursor.peek(), "expected FROM or IN");
      }
      return new Show(
          ShowKind.COLUMNS, false, false, Optional.of(cursor.qualifiedName("object name")), start);
    }
    boolean full = cursor.acceptKeyword("full");
    boolean materialized = cursor.acceptKeyword("materialized");
    Token views = cursor.peek();
    if (views.isKeyword("views")) {
      cursor.advance();
      return new Show(ShowKind.VIEWS, full, materialized, fromSchema(), start);
    }
    if (views.isKeyword("sources") && full && !materialized) {
      cursor.advance();
      return new Show(ShowKind.SOURCES, true, false, fromSchema(), start);
    }
    throw syntaxError(
        views,
        full || materialized
            ? "expected VIEWS"
            : "expected SOURCES, VIEWS, FULL, MATERIALIZED, CREATE, COLUMNS or SCHEMAS");
  }

  private Optional<QualifiedName> fromSchema() {
    if (cursor.acceptKeyword("from") || cursor.acceptKeyword("in")) {
      return Optional.of(cursor.qualifiedName("schema name"));
    }
    return Optional.empty();
  }
}
