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
}
