package dev.mzflink.sql;

/**
 * The one place that quotes names and literals, for PostgreSQL (and the Materialize dialect) and
 * for Flink SQL. Nothing else concatenates a name into SQL text.
 */
public final class Quote {
  private Quote() {}

  /** A PostgreSQL identifier, always double-quoted: {@code "My ""Table"""}. */
  public static String pgIdentifier(String name) {
    if (name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("identifier contains a NUL character");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** A schema-qualified PostgreSQL name: {@code "schema"."table"}. */
  public static String pgQualified(String schema, String name) {
    return pgIdentifier(schema) + "." + pgIdentifier(name);
  }

  /** A PostgreSQL string literal in standard form, {@code 'it''s'}. */
  public static String pgLiteral(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("literal contains a NUL character");
    }
    return '\'' + value.replace("'", "''") + '\'';
  }

  /** A Flink SQL identifier: {@code `my``name`}. */
  public static String flinkIdentifier(String name) {
    return '`' + name.replace("`", "``") + '`';
  }

  /** A Flink object name {@code `database`.`name`}. */
  public static String flinkQualified(String database, String name) {
    return flinkIdentifier(database) + "." + flinkIdentifier(name);
  }

  /** A Flink SQL string literal: {@code 'it''s'}. */
  public static String flinkLiteral(String value) {
    return '\'' + value.replace("'", "''") + '\'';
  }

  /**
   * Text for a Flink SQL line comment ({@code -- text}) that cannot end the comment or the
   * statement: line breaks and every other control character become Java-style escapes (backslash,
   * u and four hex digits; backslash n, r, t for the common ones), and so do semicolons (the SQL
   * client ends a statement at a semicolon even inside a comment); a backslash is doubled so that
   * the escapes stay unambiguous. Names in comments come from upstream catalogs and scripts: a
   * column named {@code "id<newline>CREATE TABLE ..."} must stay a comment.
   */
  public static String flinkComment(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case ';' -> out.append("\\u003b");
                default -> {
                  int type = Character.getType(c);
                  if (Character.isISOControl(c)
                      || type == Character.LINE_SEPARATOR
                      || type == Character.PARAGRAPH_SEPARATOR
                      || type == Character.FORMAT) {
                    out.append(String.format("\\u%04x", c));
                  } else {
                    out.appendCodePoint(c);
                  }
                }
              }
            });
    return out.toString();
  }
}
