package dev.mzflink.sql;

import static java.util.Objects.requireNonNull;

import dev.mzflink.SourcePosition;

/**
 * One lexical token. {@code value} is the token's meaning: an identifier folded to lower case
 * (unquoted) or kept as written (quoted), a string constant with escapes resolved, a number or
 * operator as written. {@code end} is the offset just past the token in the script.
 */
public record Token(Kind kind, String value, SourcePosition position, int end) {
  public enum Kind {
    IDENTIFIER,
    QUOTED_IDENTIFIER,
    STRING,
    NUMBER,
    OPERATOR,
    LEFT_PAREN,
    RIGHT_PAREN,
    LEFT_BRACKET,
    RIGHT_BRACKET,
    COMMA,
    SEMICOLON,
    DOT,
    DOUBLE_COLON,
    PARAMETER,
    END
  }

  public Token {
    requireNonNull(kind, "kind is null");
    requireNonNull(value, "value is null");
    requireNonNull(position, "position is null");
  }

  /** True for an unquoted identifier spelling the keyword {@code word} (given in lower case). */
  public boolean isKeyword(String word) {
    return kind == Kind.IDENTIFIER && value.equals(word);
  }

  public boolean isIdentifier() {
    return kind == Kind.IDENTIFIER || kind == Kind.QUOTED_IDENTIFIER;
  }

  /** How the token reads in an error message. */
  public String describe() {
    return switch (kind) {
      case END -> "end of input";
      case STRING -> "string literal";
      case QUOTED_IDENTIFIER -> "identifier \"" + value.replace("\"", "\"\"") + "\"";
      case IDENTIFIER -> "\"" + value + "\"";
      case PARAMETER -> "\"$" + value + "\"";
      default -> "\"" + value + "\"";
    };
  }
}
