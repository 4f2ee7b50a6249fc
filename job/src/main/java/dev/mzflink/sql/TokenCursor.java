package dev.mzflink.sql;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A position in the tokens of a script, shared by the statement, query and expression parsers:
 * looks ahead, consumes expected tokens and names, and words the syntax errors of all of them.
 */
final class TokenCursor {
  /**
   * How deep expressions, queries and joins may nest in one statement, counting each operator of a
   * chain ({@code a + b + c} is a tree two deep): every later stage walks these trees recursively,
   * and PostgreSQL's own limit (max_stack_depth) would refuse far less than a stack overflow here.
   */
  static final int MAX_DEPTH = 200;

  private final List<Token> tokens;
  private int index;
  private int depth;

  /** A cursor at the first of {@code tokens}, which end with one {@link Kind#END} token. */
  TokenCursor(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  /**
   * One level deeper, at {@code at}: a parenthesis, a subquery, a prefix operator or the next
   * operator of a chain. Past {@link #MAX_DEPTH} the statement is refused there.
   */
  void enter(Token at) {
    if (++depth > MAX_DEPTH) {
      throw UserError.at(at.position(), "the statement nests too deeply")
          .withDetail(
              String.format(
                  "Expressions, subqueries and joins may nest at most %d levels deep, counting"
                      + " each operator of a chain.",
                  MAX_DEPTH))
          .withHint("Split the query into views that build on each other.");
    }
  }

  /** Back {@code levels} levels, after {@link #enter}ing them. */
  void leave(int levels) {
    depth -= levels;
  }

  /** The current token. */
  Token peek() {
    return tokens.get(index);
  }

  /** The token {@code ahead} tokens after the current one. */
  Token peek(int ahead) {
    return tokens.get(index + ahead);
  }

  /** The current token, consumed. */
  Token next() {
    return tokens.get(index++);
  }

  /** Consumes the current token. */
  void advance() {
    index++;
  }

  /** Consumes {@code count} tokens. */
  void advance(int count) {
    index += count;
  }

  /** The current position, to {@link #reset} to. */
  int mark() {
    return index;
  }

  /** Goes back to a position {@link #mark} returned. */
  void reset(int mark) {
    index = mark;
  }

  /** Whether the current token is the operator {@code op}. */
  boolean atOperator(String op) {
    Token t = peek();
    return t.kind() == Kind.OPERATOR && t.value().equals(op);
  }

  boolean accept(Kind kind) {
    if (peek().kind() == kind) {
      index++;
      return true;
    }
    return false;
  }

  void expect(Kind kind, String expected) {
    if (!accept(kind)) {
      throw syntaxError(peek(), expected);
    }
  }

  boolean acceptKeyword(String word) {
    if (peek().isKeyword(word)) {
      index++;
      return true;
    }
    return false;
  }

  void expectKeyword(String word) {
    if (!acceptKeyword(word)) {
      throw syntaxError(peek(), "expected " + word.toUpperCase(Locale.ROOT));
    }
  }

  /** A name: an identifier that is not a reserved key word, or a quoted identifier. */
  String identifier(String what) {
    Token t = peek();
    if (!t.isIdentifier()
        || (t.kind() == Kind.IDENTIFIER && Keywords.RESERVED.contains(t.value()))) {
      throw syntaxError(t, "expected " + what);
    }
    index++;
    return t.value();
  }

  /** A name of up to three dotted parts: database, schema and object. */
  QualifiedName qualifiedName(String what) {
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

  /** A string literal's value. */
  String string(String what) {
    Token t = peek();
    if (t.kind() != Kind.STRING) {
      throw syntaxError(t, "expected " + what + " as a string literal");
    }
    index++;
    return t.value();
  }

  /** PostgreSQL's syntax error at a token, with what was expected there as the detail. */
  static UserError syntaxError(Token at, String expected) {
    String near =
        at.kind() == Kind.END
            ? "syntax error at end of input"
            : "syntax error at or near " + at.describe();
    return UserError.at(at.position(), near).withDetail(capitalize(expected) + ".");
  }

  /** A construct the parser recognises and mzflink does not support, at its token. */
  static UserError unsupported(Token at, String message) {
    return UserError.at(at.position(), message);
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
