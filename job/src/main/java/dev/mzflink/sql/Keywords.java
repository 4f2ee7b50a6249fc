package dev.mzflink.sql;

import java.util.Set;

/** PostgreSQL's key word classes that decide what may be a name. */
final class Keywords {
  private Keywords() {}

  /** Reserved key words: never a name unless quoted. */
  static final Set<String> RESERVED =
      Set.of(
          "all",
          "analyse",
          "analyze",
          "and",
          "any",
          "array",
          "as",
          "asc",
          "asymmetric",
          "both",
          "case",
          "cast",
          "check",
          "collate",
          "column",
          "constraint",
          "create",
          "current_catalog",
          "current_date",
          "current_role",
          "current_time",
          "current_timestamp",
          "current_user",
          "default",
          "deferrable",
          "desc",
          "distinct",
          "do",
          "else",
          "end",
          "except",
          "false",
          "fetch",
          "for",
          "foreign",
          "from",
          "grant",
          "group",
          "having",
          "in",
          "initially",
          "intersect",
          "into",
          "lateral",
          "leading",
          "limit",
          "localtime",
          "localtimestamp",
          "not",
          "null",
          "offset",
          "on",
          "only",
          "or",
          "order",
          "placing",
          "primary",
          "references",
          "returning",
          "select",
          "session_user",
          "some",
          "symmetric",
          "table",
          "then",
          "to",
          "trailing",
          "true",
          "union",
          "unique",
          "user",
          "using",
          "variadic",
          "when",
          "where",
          "window",
          "with");

  /**
   * Key words that may name a function or a type but not a table or column: they cannot be bare
   * aliases either ({@code FROM a JOIN b} is not {@code a} aliased as {@code join}).
   */
  static final Set<String> TYPE_FUNCTION_NAME =
      Set.of(
          "authorization",
          "binary",
          "collation",
          "concurrently",
          "cross",
          "current_schema",
          "freeze",
          "full",
          "ilike",
          "inner",
          "is",
          "isnull",
          "join",
          "left",
          "like",
          "natural",
          "notnull",
          "outer",
          "overlaps",
          "right",
          "similar",
          "tablesample",
          "verbose");

  /** Whether an unquoted identifier may be used as a table, column or alias name. */
  static boolean isName(String word) {
    return !RESERVED.contains(word) && !TYPE_FUNCTION_NAME.contains(word);
  }
}
