package dev.mzflink.sql;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a script into tokens following PostgreSQL's lexical rules: unquoted identifiers fold to
 * lower case, quoted identifiers keep their case with {@code ""} as an escaped quote, string
 * constants with {@code ''}, {@code E'...'} escapes and dollar quoting, {@code --} and nested
 * {@code /* *}{@code /} comments.
 */
public final class Lexer {
  private static final String OPERATOR_CHARS = "+-*/<>=~!@#%^&|`?";

  private final String text;
  private int offset;
  private int line = 1;
  private int lineStart;

  private Lexer(String text) {
    this.text = text;
  }

  /** All tokens of {@code text}, ending with one {@link Kind#END} token. */
  public static List<Token> tokenize(String text) {
    int nul = text.indexOf('\0');
    if (nul >= 0) {
      // PostgreSQL cannot receive a NUL character in any text, so no name or string may hold one.
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < nul; i++) {
        if (text.charAt(i) == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw UserError.at(
              new SourcePosition(nul, line, nul - lineStart + 1),
              "invalid byte sequence for encoding \"UTF8\": 0x00")
          .withDetail("A script cannot contain NUL characters.");
    }
    return new Lexer(text).run();
  }

  private List<Token> run() {
    List<Token> tokens = new ArrayList<>();
    // The end of input is reported just after the last token, where a reader looks for it.
    SourcePosition afterLast = position();
    while (true) {
      skipSpaceAndComments();
      if (offset >= text.length()) {
        tokens.add(new Token(Kind.END, "", afterLast, offset));
        return tokens;
      }
      tokens.add(next());
      afterLast = position();
    }
  }

  private SourcePosition position() {
    return new SourcePosition(offset, line, offset - lineStart + 1);
  }

  private char peek(int ahead) {
    int at = offset + ahead;
    return at < text.length() ? text.charAt(at) : '\0';
  }

  private void advance() {
    if (text.charAt(offset) == '\n') {
      line++;
      lineStart = offset + 1;
    }
    offset++;
  }

  private void skipSpaceAndComments() {
    while (offset < text.length()) {
      char c = text.charAt(offset);
      if (Character.isWhitespace(c)) {
        advance();
      } else if (c == '-' && peek(1) == '-') {
        while (offset < text.length() && text.charAt(offset) != '\n') {
          advance();
        }
      } else if (c == '/' && peek(1) == '*') {
        skipBlockComment();
      } else {
        return;
      }
    }
  }

  private void skipBlockComment() {
    SourcePosition start = position();
    int depth = 0;
    while (offset < text.length()) {
      if (text.charAt(offset) == '/' && peek(1) == '*') {
        depth++;
        advance();
        advance();
      } else if (text.charAt(offset) == '*' && peek(1) == '/') {
        depth--;
        advance();
        advance();
        if (depth == 0) {
          return;
        }
      } else {
        advance();
      }
    }
    throw UserError.at(start, "unterminated /* comment");
  }

  private Token next() {
    SourcePosition start = position();
    char c = text.charAt(offset);
    if ((c == 'E' || c == 'e') && peek(1) == '\'') {
      advance();
      return string(start, true);
    }
    if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && peek(1) == '\'') {
      throw UserError.at(start, "bit-string and national character literals are not supported");
    }
    if ((c == 'U' || c == 'u') && peek(1) == '&' && (peek(2) == '\'' || peek(2) == '"')) {
      throw UserError.at(start, "unicode escape literals (U&) are not supported")
          .withHint("Write the characters directly; scripts are read as UTF-8.");
    }
    if (isIdentifierStart(c)) {
      return identifier(start);
    }
    if (c == '"') {
      return quotedIdentifier(start);
    }
    if (c == '\'') {
      return string(start, false);
    }
    if (c == '$') {
      if (Character.isDigit(peek(1))) {
        advance();
        int from = offset;
        while (offset < text.length() && Character.isDigit(text.charAt(offset))) {
          advance();
        }
        return new Token(Kind.PARAMETER, text.substring(from, offset), start, offset);
      }
      return dollarString(start);
    }
    if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
      return number(start);
    }
    switch (c) {
      case '(':
        advance();
        return new Token(Kind.LEFT_PAREN, "(", start, offset);
      case ')':
        advance();
        return new Token(Kind.RIGHT_PAREN, ")", start, offset);
      case '[':
        advance();
        return new Token(Kind.LEFT_BRACKET, "[", start, offset);
      case ']':
        advance();
        return new Token(Kind.RIGHT_BRACKET, "]", start, offset);
      case ',':
        advance();
        return new Token(Kind.COMMA, ",", start, offset);
      case ';':
        advance();
        return new Token(Kind.SEMICOLON, ";", start, offset);
      case '.':
        advance();
        return new Token(Kind.DOT, ".", start, offset);
      case ':':
        if (peek(1) == ':') {
          advance();
          advance();
          return new Token(Kind.DOUBLE_COLON, "::", start, offset);
        }
        advance();
        return new Token(Kind.OPERATOR, ":", start, offset);
      default:
        break;
    }
    if (OPERATOR_CHARS.indexOf(c) >= 0) {
      return operator(start);
    }
    throw UserError.at(start, String.format("syntax error at or near \"%s\"", c));
  }

  private static boolean isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  private static boolean isIdentifierPart(char c) {
    return isIdentifierStart(c) || (c >= '0' && c <= '9') || c == '$';
  }

  private Token identifier(SourcePosition start) {
    int from = offset;
    while (offset < text.length() && isIdentifierPart(text.charAt(offset))) {
      advance();
    }
    // PostgreSQL folds only ASCII letters of unquoted identifiers.
    String raw = text.substring(from, offset);
    StringBuilder folded = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char ch = raw.charAt(i);
      folded.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch);
    }
    return new Token(Kind.IDENTIFIER, folded.toString(), start, offset);
  }

  private Token quotedIdentifier(SourcePosition start) {
    advance();
    StringBuilder value = new StringBuilder();
    while (true) {
      if (offset >= text.length()) {
        throw UserError.at(start, "unterminated quoted identifier");
      }
      char c = text.charAt(offset);
      if (c == '"') {
        if (peek(1) == '"') {
          value.append('"');
          advance();
          advance();
          continue;
        }
        advance();
        break;
      }
      value.append(c);
      advance();
    }
    if (value.length() == 0) {
      throw UserError.at(start, "zero-length delimited identifier");
    }
    return new Token(Kind.QUOTED_IDENTIFIER, value.toString(), start, offset);
  }

  private Token string(SourcePosition start, boolean escapes) {
    StringBuilder value = new StringBuilder();
    readQuoted(start, value, escapes);
    // A string constant continues after whitespace that contains a newline.
    while (true) {
      int save = offset;
      int saveLine = line;
      int saveLineStart = lineStart;
      boolean newline = false;
      while (offset < text.length() && Character.isWhitespace(text.charAt(offset))) {
        newline |= text.charAt(offset) == '\n';
        advance();
      }
      if (newline && offset < text.length() && text.charAt(offset) == '\'') {
        readQuoted(position(), value, escapes);
      } else {
        offset = save;
        line = saveLine;
        lineStart = saveLineStart;
        break;
      }
    }
    return new Token(Kind.STRING, value.toString(), start, offset);
  }

  private void readQuoted(SourcePosition start, StringBuilder value, boolean escapes) {
    advance(); // opening quote
    while (true) {
      if (offset >= text.length()) {
        throw UserError.at(start, "unterminated quoted string");
      }
      char c = text.charAt(offset);
      if (c == '\'') {
        if (peek(1) == '\'') {
          value.append('\'');
          advance();
          advance();
          continue;
        }
        advance();
        return;
      }
      if (escapes && c == '\\') {
        escape(value);
        continue;
      }
      value.append(c);
      advance();
    }
  }

  private void escape(StringBuilder value) {
    SourcePosition at = position();
    advance(); // backslash
    if (offset >= text.length()) {
      throw UserError.at(at, "unterminated quoted string");
    }
    char c = text.charAt(offset);
    switch (c) {
      case 'b' -> append(value, '\b');
      case 'f' -> append(value, '\f');
      case 'n' -> append(value, '\n');
      case 'r' -> append(value, '\r');
      case 't' -> append(value, '\t');
      case 'x' -> {
        if (Character.digit(peek(1), 16) < 0) {
          // As in PostgreSQL: \x without a hexadecimal digit is the letter x.
          append(value, c);
        } else {
          advance();
          appendCodePoint(value, digits(16, 1, 2), at);
        }
      }
      case 'u' -> {
        advance();
        appendCodePoint(value, exactDigits(16, 4, at), at);
      }
      case 'U' -> {
        advance();
        appendCodePoint(value, exactDigits(16, 8, at), at);
      }
      default -> {
        if (c >= '0' && c <= '7') {
          appendCodePoint(value, digits(8, 1, 3), at);
        } else {
          append(value, c);
        }
      }
    }
  }

  private void append(StringBuilder value, char c) {
    value.append(c);
    advance();
  }

  private void appendCodePoint(StringBuilder value, int code, SourcePosition at) {
    if (code == 0) {
      throw UserError.at(at, "invalid null character in string literal");
    }
    if (!Character.isValidCodePoint(code) || (code >= 0xD800 && code <= 0xDFFF)) {
      throw UserError.at(at, "invalid Unicode escape value");
    }
    value.appendCodePoint(code);
  }

  private int digits(int radix, int min, int max) {
    int value = 0;
    int count = 0;
    while (count < max
        && offset < text.length()
        && Character.digit(text.charAt(offset), radix) >= 0) {
      value = value * radix + Character.digit(text.charAt(offset), radix);
      advance();
      count++;
    }
    return count < min ? -1 : value;
  }

  private int exactDigits(int radix, int count, SourcePosition at) {
    int value = 0;
    for (int i = 0; i < count; i++) {
      int d = offset < text.length() ? Character.digit(text.charAt(offset), radix) : -1;
      if (d < 0) {
        throw UserError.at(at, "invalid Unicode escape")
            .withHint("Unicode escapes must be \\uXXXX or \\UXXXXXXXX.");
      }
      value = value * radix + d;
      advance();
    }
    return value;
  }

  private Token dollarString(SourcePosition start) {
    int tagEnd = offset + 1;
    while (tagEnd < text.length() && text.charAt(tagEnd) != '$') {
      char ch = text.charAt(tagEnd);
      boolean ok =
          tagEnd == offset + 1
              ? isIdentifierStart(ch) && ch != '$'
              : isIdentifierPart(ch) && ch != '$';
      if (!ok) {
        throw UserError.at(start, "syntax error at or near \"$\"");
      }
      tagEnd++;
    }
    if (tagEnd >= text.length()) {
      throw UserError.at(start, "syntax error at or near \"$\"");
    }
    String tag = text.substring(offset, tagEnd + 1);
    int bodyStart = tagEnd + 1;
    int close = text.indexOf(tag, bodyStart);
    if (close < 0) {
      throw UserError.at(start, "unterminated dollar-quoted string");
    }
    String value = text.substring(bodyStart, close);
    while (offset < close + tag.length()) {
      advance();
    }
    return new Token(Kind.STRING, value, start, offset);
  }

  private Token number(SourcePosition start) {
    int from = offset;
    while (offset < text.length()
        && (Character.isDigit(text.charAt(offset)) || text.charAt(offset) == '_')) {
      advance();
    }
    if (offset < text.length() && text.charAt(offset) == '.' && peek(1) != '.') {
      advance();
      while (offset < text.length() && Character.isDigit(text.charAt(offset))) {
        advance();
      }
    }
    if (offset < text.length() && (text.charAt(offset) == 'e' || text.charAt(offset) == 'E')) {
      int save = offset;
      advance();
      if (offset < text.length() && (text.charAt(offset) == '+' || text.charAt(offset) == '-')) {
        advance();
      }
      if (offset < text.length() && Character.isDigit(text.charAt(offset))) {
        while (offset < text.length() && Character.isDigit(text.charAt(offset))) {
          advance();
        }
      } else {
        offset = save;
      }
    }
    if (offset < text.length() && isIdentifierStart(text.charAt(offset))) {
      throw UserError.at(
          start,
          String.format(
              "trailing junk after numeric literal at or near \"%s\"",
              text.substring(from, offset + 1)));
    }
    String raw = text.substring(from, offset);
    if (raw.contains("__") || raw.endsWith("_")) {
      throw UserError.at(
          start, String.format("trailing junk after numeric literal at or near \"%s\"", raw));
    }
    return new Token(Kind.NUMBER, raw.replace("_", ""), start, offset);
  }

  private Token operator(SourcePosition start) {
    int end = offset;
    while (end < text.length() && OPERATOR_CHARS.indexOf(text.charAt(end)) >= 0) {
      boolean commentStart =
          (text.charAt(end) == '-' && end + 1 < text.length() && text.charAt(end + 1) == '-')
              || (text.charAt(end) == '/'
                  && end + 1 < text.length()
                  && text.charAt(end + 1) == '*');
      if (commentStart && end > offset) {
        break;
      }
      end++;
    }
    String op = text.substring(offset, end);
    // PostgreSQL: a multi-character operator ending in + or - must contain one of ~ ! @ # % ^ & | `
    // ?
    while (op.length() > 1
        && (op.endsWith("+") || op.endsWith("-"))
        && !op.matches(".*[~!@#%^&|`?].*")) {
      op = op.substring(0, op.length() - 1);
    }
    offset += op.length();
    return new Token(Kind.OPERATOR, op, start, offset);
  }
}
