package dev.mzflink.sql;

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
  private final List<Token> tokens;
  private int index;

  private Parser(String text) {
    this.tokens = Lexer.tokenize(text);
  }

  /** The statements of {@code script}, in order. */
  public static List<Statement> parse(String script) {
    return new Parser(script).statements();
  }

  private List<Statement> statements() {
    List<Statement> result = new ArrayList<>();
    while (true) {
      while (peek().kind() == Kind.SEMICOLON) {
        index++;
      }
      if (peek().kind() == Kind.END) {
        return result;
      }
      result.add(statement());
      Token after = peek();
      if (after.kind() == Kind.SEMICOLON) {
        index++;
      } else if (after.kind() != Kind.END) {
        throw syntaxError(after, "expected \";\" or end of input");
      }
    }
  }

  private Statement statement() {
    Token first = peek();
    if (first.isKeyword("create")) {
      index++;
      return create(first.position());
    }
    if (first.isKeyword("drop")) {
      index++;
      return drop(first.position());
    }
    if (first.isKeyword("show")) {
      index++;
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
    boolean materialized = acceptKeyword("materialized");
    Token what = peek();
    if (what.isKeyword("source")) {
      index++;
      return createSource(start, materialized);
    }
    if (what.isKeyword("views")) {
      index++;
      if (materialized) {
        throw syntaxError(what, "expected SOURCE or VIEW after MATERIALIZED");
      }
      return createViews(start);
    }
    if (what.isKeyword("view")) {
      index++;
      return createView(start, materialized);
    }
    if (what.isKeyword("schema") && !materialized) {
      index++;
      boolean ifNotExists = ifNotExists();
      SourcePosition at = peek().position();
      QualifiedName name = name("schema name");
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
    if (acceptKeyword("if")) {
      expectKeyword("not");
      expectKeyword("exists");
      return true;
    }
    return false;
  }

  private boolean ifExists() {
    if (acceptKeyword("if")) {
      expectKeyword("exists");
      return true;
    }
    return false;
  }

  private CreateSource createSource(SourcePosition start, boolean materialized) {
    boolean ifNotExists = ifNotExists();
    QualifiedName name = name("source name");
    expectKeyword("from");
    Token kind = peek();
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
    index++;
    String connection = null;
    SourcePosition connectionAt = start;
    String publication = null;
    // HOST and PUBLICATION, in either order, each once.
    for (int i = 0; i < 2; i++) {
      Token option = peek();
      if (option.isKeyword("host") && connection == null) {
        index++;
        connectionAt = peek().position();
        connection = string("connection string");
      } else if (option.isKeyword("publication") && publication == null) {
        index++;
        publication = string("publication name");
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
    expectKeyword("from");
    // Materialize's own examples write both CREATE VIEWS FROM SOURCE s and CREATE VIEWS FROM s.
    if (peek().isKeyword("source") && tokens.get(index + 1).isIdentifier()) {
      index++;
    }
    QualifiedName source = name("source name");
    List<ViewTarget> targets = new ArrayList<>();
    if (peek().kind() == Kind.LEFT_PAREN) {
      index++;
      do {
        Token at = peek();
        QualifiedName upstream = name("table name");
        Optional<QualifiedName> alias = Optional.empty();
        if (acceptKeyword("as")) {
          alias = Optional.of(name("view name"));
        }
        targets.add(new ViewTarget(upstream, alias, at.position()));
      } while (accept(Kind.COMMA));
      expect(Kind.RIGHT_PAREN, "expected \",\" or \")\"");
    }
    return new CreateViews(ifNotExists, source, targets, start);
  }

  private CreateView createView(SourcePosition start, boolean materialized) {
    boolean ifNotExists = ifNotExists();
    QualifiedName name = name("view name");
    if (peek().kind() == Kind.LEFT_PAREN) {
      throw UserError.at(peek().position(), "column lists in CREATE VIEW are not supported")
          .withHint("Name the columns with AS in the SELECT list.");
    }
    expectKeyword("as");
    Token first = peek();
    if (first.kind() == Kind.END || first.kind() == Kind.SEMICOLON) {
      throw syntaxError(first, "expected a query");
    }
    QueryParser parser = new QueryParser(tokens, index);
    Query query = parser.viewQuery();
    index = parser.index();
    return new CreateView(name, materialized, ifNotExists, query, start);
  }

  // DROP ...

  private Drop drop(SourcePosition start) {
    Token what = peek();
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
    index++;
    boolean ifExists = ifExists();
    List<QualifiedName> names = new ArrayList<>();
    do {
      names.add(name(kind.noun() + " name"));
    } while (accept(Kind.COMMA));
    boolean cascade = false;
    if (acceptKeyword("cascade")) {
      cascade = true;
    } else {
      acceptKeyword("restrict");
    }
    return new Drop(kind, ifExists, names, cascade, start);
  }

  // SHOW ...

  private Show show(SourcePosition start) {
    Token what = peek();
    if (what.isKeyword("sources")) {
      index++;
      return new Show(ShowKind.SOURCES, false, false, fromSchema(), start);
    }
    if (what.isKeyword("schemas")) {
      index++;
      return new Show(ShowKind.SCHEMAS, false, false, Optional.empty(), start);
    }
    if (what.isKeyword("create")) {
      index++;
      Token kind = peek();
      if (kind.isKeyword("source")) {
        index++;
        return new Show(
            ShowKind.CREATE_SOURCE, false, false, Optional.of(name("source name")), start);
      }
      if (kind.isKeyword("view") || kind.isKeyword("materialized")) {
        index++;
        if (kind.isKeyword("materialized")) {
          expectKeyword("view");
        }
        return new Show(ShowKind.CREATE_VIEW, false, false, Optional.of(name("view name")), start);
      }
      throw syntaxError(kind, "expected SOURCE or VIEW");
    }
    if (what.isKeyword("columns")) {
      index++;
      if (!acceptKeyword("from") && !acceptKeyword("in")) {
        throw syntaxError(peek(), "expected FROM or IN");
      }
      return new Show(ShowKind.COLUMNS, false, false, Optional.of(name("object name")), start);
    }
    boolean full = acceptKeyword("full");
    boolean materialized = acceptKeyword("materialized");
    Token views = peek();
    if (views.isKeyword("views")) {
      index++;
      return new Show(ShowKind.VIEWS, full, materialized, fromSchema(), start);
    }
    if (views.isKeyword("sources") && full && !materialized) {
      index++;
      return new Show(ShowKind.SOURCES, true, false, fromSchema(), start);
    }
    throw syntaxError(
        views,
        full || materialized
            ? "expected VIEWS"
            : "expected SOURCES, VIEWS, FULL, MATERIALIZED, CREATE, COLUMNS or SCHEMAS");
  }

  private Optional<QualifiedName> fromSchema() {
    if (acceptKeyword("from") || acceptKeyword("in")) {
      return Optional.of(name("schema name"));
    }
    return Optional.empty();
  }

  // Tokens.

  private Token peek() {
    return tokens.get(index);
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
      throw syntaxError(peek(), "expected " + word.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** PostgreSQL's reserved key words: never a name unless quoted. */
  private static final java.util.Set<String> RESERVED = Keywords.RESERVED;

  private String identifier(String what) {
    Token t = peek();
    if (!t.isIdentifier() || (t.kind() == Kind.IDENTIFIER && RESERVED.contains(t.value()))) {
      throw syntaxError(t, "expected " + what);
    }
    index++;
    return t.value();
  }

  private QualifiedName name(String what) {
    SourcePosition at = peek().position();
    List<String> parts = new ArrayList<>();
    parts.add(identifier(what));
    while (accept(Kind.DOT)) {
      parts.add(identifier(what));
    }
    if (parts.size() > 3) {
      throw UserError.at(
          at,
          String.format(
              "improper qualified name (too many dotted names): %s", String.join(".", parts)));
    }
    return new QualifiedName(parts);
  }

  private String string(String what) {
    Token t = peek();
    if (t.kind() != Kind.STRING) {
      throw syntaxError(t, "expected " + what + " as a string literal");
    }
    index++;
    return t.value();
  }

  private static UserError syntaxError(Token at, String expected) {
    String near =
        at.kind() == Kind.END
            ? "syntax error at end of input"
            : "syntax error at or near " + at.describe();
    return UserError.at(at.position(), near).withDetail(capitalize(expected) + ".");
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
