package dev.mzflink.sql;

import static dev.mzflink.sql.TokenCursor.syntaxError;
import static dev.mzflink.sql.TokenCursor.unsupported;

import dev.mzflink.UserError;
import dev.mzflink.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/** Parses type names, in any of PostgreSQL's spellings, for casts and typed literals. */
final class TypeNameParser {
  private final TokenCursor cursor;

  TypeNameParser(TokenCursor cursor) {
    this.cursor = cursor;
  }

  /** A type name in any of PostgreSQL's spellings. */
  TypeName typeName() {
    Token start = cursor.peek();
    if (!start.isIdentifier()) {
      throw syntaxError(start, "expected a type name");
    }
    String name;
    List<Integer> modifiers = new ArrayList<>();
    if (start.kind() == Kind.QUOTED_IDENTIFIER) {
      cursor.advance();
      name = start.value();
      if (name.equals("char")) {
        name = "\"char\"";
      }
    } else {
      String word = cursor.next().value();
      if (word.equals("pg_catalog") && cursor.peek().kind() == Kind.DOT) {
        cursor.advance();
        return typeName();
      }
      switch (word) {
        case "double" -> {
          cursor.expectKeyword("precision");
          name = "float8";
        }
        case "float" -> {
          name = "float8";
          if (cursor.peek().kind() == Kind.LEFT_PAREN) {
            cursor.advance();
            Token p = cursor.peek();
            cursor.expect(Kind.NUMBER, "expected a precision");
            cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
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
          name = cursor.acceptKeyword("varying") ? "varchar" : "bpchar";
        }
        case "national", "nchar" ->
            throw unsupported(start, "national character types are not supported");
        case "bit", "varbit" -> throw unsupported(start, "bit string types are not supported");
        default -> name = TypeName.ALIASES.getOrDefault(word, word);
      }
    }
    if (cursor.peek().kind() == Kind.LEFT_PAREN) {
      cursor.advance();
      do {
        Token m = cursor.peek();
        if (m.kind() != Kind.NUMBER) {
          throw syntaxError(m, "expected a type modifier");
        }
        cursor.advance();
        modifiers.add(parseModifier(m));
      } while (cursor.accept(Kind.COMMA));
      cursor.expect(Kind.RIGHT_PAREN, "expected \")\"");
    }
    if (name.equals("timestamp") || name.equals("time")) {
      if (cursor.peek().isKeyword("with") && cursor.peek(1).isKeyword("time")) {
        cursor.advance(2);
        cursor.expectKeyword("zone");
        name = name + "tz";
      } else if (cursor.peek().isKeyword("without")) {
        cursor.advance();
        cursor.expectKeyword("time");
        cursor.expectKeyword("zone");
      }
    }
    if (cursor.peek().kind() == Kind.LEFT_BRACKET || cursor.peek().isKeyword("array")) {
      throw unsupported(cursor.peek(), "array types are not supported");
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
}
