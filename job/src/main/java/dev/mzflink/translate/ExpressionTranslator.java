package dev.mzflink.translate;

import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Aggregate;
import dev.mzflink.catalog.BoundExpression.AggregateFunction;
import dev.mzflink.catalog.BoundExpression.Call;
import dev.mzflink.catalog.BoundExpression.ColumnReference;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.BoundExpression.Conversion;
import dev.mzflink.catalog.BoundExpression.DateTrunc;
import dev.mzflink.catalog.BoundExpression.Exists;
import dev.mzflink.catalog.BoundExpression.ExtractField;
import dev.mzflink.catalog.BoundExpression.InSubquery;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.sql.Quote;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Renders a bound expression of a view query as Flink SQL, with PostgreSQL's semantics spelled out
 * where Flink's differ (numeric division at the result's scale, LIKE escapes, substr's start,
 * date_trunc and extract before 1970, character(n) padding, rounding numeric-to-integer casts).
 * Subqueries are rendered by the {@link ViewTranslator} of the enclosing query, which also knows
 * the aliases of relations.
 */
final class ExpressionTranslator implements BoundExpression.Visitor<String> {
  private final ViewTranslator queries;
  private final String indent;

  ExpressionTranslator(ViewTranslator queries, String indent) {
    this.queries = queries;
    this.indent = indent;
  }

  private String r(BoundExpression e) {
    return e.accept(this);
  }

  private String list(List<BoundExpression> es) {
    return es.stream().map(this::r).collect(Collectors.joining(", "));
  }

  @Override
  public String visitColumn(ColumnReference e) {
    return Quote.flinkIdentifier(queries.aliasOf(e.relation()))
        + "."
        + Quote.flinkIdentifier(e.column());
  }

  @Override
  public String visitConstant(Constant e) {
    return constant(e);
  }

  @Override
  public String visitConversion(Conversion e) {
    return convert(r(e.operand()), e.operand().type(), e.type());
  }

  @Override
  public String visitCall(Call e) {
    List<BoundExpression> a = e.arguments();
    return switch (e.function()) {
      case ADD -> binary(a, "+");
      case SUBTRACT -> binary(a, "-");
      case MULTIPLY -> binary(a, "*");
      case DIVIDE -> divide(e);
      case MODULO -> binary(a, "%");
      case NEGATE -> "(- " + r(a.get(0)) + ")";
      case CONCAT -> binary(a, "||");
      case EQUAL -> binary(a, "=");
      case NOT_EQUAL -> binary(a, "<>");
      case LESS -> binary(a, "<");
      case LESS_OR_EQUAL -> binary(a, "<=");
      case GREATER -> binary(a, ">");
      case GREATER_OR_EQUAL -> binary(a, ">=");
      case AND -> binary(a, "AND");
      case OR -> binary(a, "OR");
      case NOT -> "(NOT " + r(a.get(0)) + ")";
      case IS_NULL -> postfix(a, "IS NULL");
      case IS_NOT_NULL -> postfix(a, "IS NOT NULL");
      case IS_TRUE -> postfix(a, "IS TRUE");
      case IS_NOT_TRUE -> postfix(a, "IS NOT TRUE");
      case IS_FALSE -> postfix(a, "IS FALSE");
      case IS_NOT_FALSE -> postfix(a, "IS NOT FALSE");
      case IS_UNKNOWN -> postfix(a, "IS UNKNOWN");
      case IS_NOT_UNKNOWN -> postfix(a, "IS NOT UNKNOWN");
      case IS_DISTINCT_FROM -> binary(a, "IS DISTINCT FROM");
      case IS_NOT_DISTINCT_FROM -> binary(a, "IS NOT DISTINCT FROM");
      case BETWEEN -> "(" + r(a.get(0)) + " BETWEEN " + r(a.get(1)) + " AND " + r(a.get(2)) + ")";
      case NOT_BETWEEN ->
          "(" + r(a.get(0)) + " NOT BETWEEN " + r(a.get(1)) + " AND " + r(a.get(2)) + ")";
      case IN -> "(" + r(a.get(0)) + " IN (" + list(a.subList(1, a.size())) + "))";
      case NOT_IN -> "(" + r(a.get(0)) + " NOT IN (" + list(a.subList(1, a.size())) + "))";
      case LIKE -> like(a, "LIKE");
      case NOT_LIKE -> like(a, "NOT LIKE");
      case COALESCE -> "COALESCE(" + list(a) + ")";
      case LOWER -> "LOWER(" + r(a.get(0)) + ")";
      case UPPER -> "UPPER(" + r(a.get(0)) + ")";
      case LENGTH -> "CHAR_LENGTH(" + r(a.get(0)) + ")";
      case SUBSTR -> substr(a);
    };
  }

  private String binary(List<BoundExpression> a, String op) {
    return "(" + r(a.get(0)) + " " + op + " " + r(a.get(1)) + ")";
  }

  private String postfix(List<BoundExpression> a, String op) {
    return "(" + r(a.get(0)) + " " + op + ")";
  }

  /**
   * Integer and floating point division as Flink does it (integers truncate, as in PostgreSQL).
   * Numeric division computes the quotient directly at the result's scale S, rounded half up: Flink
   * divides DECIMAL(38, S + s2) by DECIMAL(p2, s2) at scale S.
   */
  private String divide(Call e) {
    BoundExpression dividend = e.arguments().get(0);
    BoundExpression divisor = e.arguments().get(1);
    if (e.type().base() != Base.NUMERIC) {
      return "(" + r(dividend) + " / " + r(divisor) + ")";
    }
    int scale = e.type().scale() + divisor.type().scale();
    return "(CAST(" + r(dividend) + " AS DECIMAL(38, " + scale + ")) / " + r(divisor) + ")";
  }

  /**
   * PostgreSQL's LIKE escapes with a backslash by default; Flink's only when told. A constant
   * pattern is rewritten with an escape character it does not contain (Flink's planner rejects a
   * backslash as the escape of a constant pattern); other patterns escape with a backslash.
   */
  private String like(List<BoundExpression> a, String op) {
    BoundExpression pattern = a.get(1);
    String operand = r(a.get(0));
    if (pattern instanceof Constant c && c.value().isPresent()) {
      String p = c.value().get();
      if (p.indexOf('\\') < 0) {
        return "(" + operand + " " + op + " " + r(pattern) + ")";
      }
      char escape =
          "!#$^~|@&"
              .chars()
              .filter(ch -> p.indexOf(ch) < 0)
              .mapToObj(ch -> (char) ch)
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException("no free escape character for LIKE pattern " + p));
      StringBuilder rewritten = new StringBuilder();
      for (int i = 0; i < p.length(); i++) {
        char ch = p.charAt(i);
        if (ch == '\\') {
          char next = p.charAt(++i);
          if (next == '%' || next == '_') {
            rewritten.append(escape);
          }
          rewritten.append(next);
        } else {
          rewritten.append(ch);
        }
      }
      return "("
          + operand
          + " "
          + op
          + " "
          + Quote.flinkLiteral(rewritten.toString())
          + " ESCAPE '"
          + escape
          + "')";
    }
    return "(" + operand + " " + op + " " + r(pattern) + " ESCAPE '\\')";
  }

  /**
   * PostgreSQL's substr(s, from, count): characters from position {@code from} up to (not
   * including) {@code from + count}, positions before 1 counting but yielding nothing. Flink's
   * SUBSTR counts a start below 1 from the end; clamp it.
   */
  private String substr(List<BoundExpression> a) {
    String s = r(a.get(0));
    BoundExpression from = a.get(1);
    boolean constantStart =
        from instanceof Constant c && c.value().isPresent() && Long.parseLong(c.value().get()) >= 1;
    if (a.size() == 2) {
      return constantStart
          ? "SUBSTR(" + s + ", " + r(from) + ")"
          : "SUBSTR(" + s + ", GREATEST(" + r(from) + ", 1))";
    }
    BoundExpression count = a.get(2);
    boolean constantCount =
        count instanceof Constant c
            && c.value().isPresent()
            && Long.parseLong(c.value().get()) >= 0;
    if (constantStart && constantCount) {
      return "SUBSTR(" + s + ", " + r(from) + ", " + r(count) + ")";
    }
    String f = r(from);
    String start = "GREATEST(" + f + ", 1)";
    return "SUBSTR("
        + s
        + ", "
        + start
        + ", GREATEST("
        + f
        + " + "
        + r(count)
        + " - "
        + start
        + ", 0))";
  }

  @Override
  public String visitCase(BoundExpression.Case e) {
    StringBuilder out = new StringBuilder("CASE");
    for (BoundExpression.When w : e.whens()) {
      out.append(" WHEN ").append(r(w.condition())).append(" THEN ").append(r(w.result()));
    }
    e.otherwise().ifPresent(o -> out.append(" ELSE ").append(r(o)));
    return out.append(" END").toString();
  }

  @Override
  public String visitInSubquery(InSubquery e) {
    String subquery = queries.render(e.query(), indent + "  ");
    OutputColumn column = e.query().columns().get(0);
    if (!column.type().flinkType().equals(e.comparisonType().flinkType())
        || column.type().base() != e.comparisonType().base()) {
      String ref =
          Quote.flinkIdentifier(ViewTranslator.IN_SUBQUERY)
              + "."
              + Quote.flinkIdentifier(column.flinkName());
      subquery =
          indent
              + "  SELECT "
              + convert(ref, column.type(), e.comparisonType())
              + "\n"
              + indent
              + "  FROM (\n"
              + queries.render(e.query(), indent + "    ")
              + "\n"
              + indent
              + "  ) AS "
              + Quote.flinkIdentifier(ViewTranslator.IN_SUBQUERY);
    }
    return "("
        + r(e.operand())
        + (e.negated() ? " NOT IN (\n" : " IN (\n")
        + subquery
        + "\n"
        + indent
        + "))";
  }

  @Override
  public String visitExists(Exists e) {
    return "EXISTS (\n" + queries.render(e.query(), indent + "  ") + "\n" + indent + ")";
  }

  @Override
  public String visitAggregate(Aggregate e) {
    Optional<String> column = queries.substitution(e);
    if (column.isPresent()) {
      String ref =
          Quote.flinkIdentifier(ViewTranslator.AGGREGATES)
              + "."
              + Quote.flinkIdentifier(column.get());
      // On empty input counts are 0, other aggregates NULL.
      return e.function() == AggregateFunction.COUNT || e.function() == AggregateFunction.COUNT_STAR
          ? "COALESCE(" + ref + ", CAST(0 AS BIGINT))"
          : ref;
    }
    return aggregate(e);
  }

  /**
   * date_trunc on the wall-clock time (timestamptz in UTC). Flink's FLOOR TO MONTH, QUARTER and
   * YEAR and its CAST of a timestamp to a date are wrong before 1970 (they truncate negative epoch
   * values towards zero), FLOOR of a TIMESTAMP_LTZ to a time unit does not compile, and its FLOOR
   * TO WEEK starts weeks on Sunday: units of a day and less use FLOOR on the TIMESTAMP, longer ones
   * the DATE of {@code FLOOR(... TO DAY)}.
   */
  @Override
  public String visitDateTrunc(DateTrunc e) {
    SqlType t = e.source().type();
    String wall = wallClock(r(e.source()), t);
    String timestamp = "TIMESTAMP(" + t.precision() + ")";
    String truncated =
        switch (e.unit()) {
          case SECOND, MINUTE, HOUR, DAY -> "FLOOR(" + wall + " TO " + e.unit().name() + ")";
          case MONTH, QUARTER, YEAR ->
              "CAST(FLOOR(" + day(wall) + " TO " + e.unit().name() + ") AS " + timestamp + ")";
          case WEEK ->
              "CAST(TIMESTAMPADD(DAY, 1 - CAST(EXTRACT(ISODOW FROM "
                  + day(wall)
                  + ") AS INT), "
                  + day(wall)
                  + ") AS "
                  + timestamp
                  + ")";
          case DOW, ISODOW, DOY ->
              throw new IllegalStateException("not a date_trunc unit: " + e.unit());
        };
    return t.base() == Base.TIMESTAMPTZ
        ? "CAST(" + truncated + " AS " + t.flinkType() + ")"
        : truncated;
  }

  /**
   * extract on the DATE of the value for fields of a day or more (Flink's EXTRACT from a timestamp
   * is wrong before 1970), and on the formatted time of day for hours, minutes and seconds (seconds
   * with their six decimals, as PostgreSQL's numeric).
   */
  @Override
  public String visitExtract(ExtractField e) {
    SqlType t = e.source().type();
    String source = r(e.source());
    String day = t.base() == Base.DATE ? source : day(wallClock(source, t));
    return switch (e.field()) {
      case HOUR -> "CAST(DATE_FORMAT(" + wallClock(source, t) + ", 'HH') AS DECIMAL(19, 0))";
      case MINUTE -> "CAST(DATE_FORMAT(" + wallClock(source, t) + ", 'mm') AS DECIMAL(19, 0))";
      case SECOND ->
          "CAST(DATE_FORMAT(" + wallClock(source, t) + ", 'ss.SSSSSS') AS DECIMAL(16, 6))";
      // Flink counts Sunday as 1, PostgreSQL as 0.
      case DOW -> "CAST(EXTRACT(DOW FROM " + day + ") - 1 AS DECIMAL(19, 0))";
      default -> "CAST(EXTRACT(" + e.field().name() + " FROM " + day + ") AS DECIMAL(19, 0))";
    };
  }

  /** A timestamp or timestamptz (in UTC) as a TIMESTAMP of the same precision. */
  static String wallClock(String sql, SqlType type) {
    return type.base() == Base.TIMESTAMPTZ
        ? "CAST(" + sql + " AS TIMESTAMP(" + type.precision() + "))"
        : sql;
  }

  /** The DATE of a TIMESTAMP, right before 1970 too (unlike Flink's CAST to DATE). */
  static String day(String timestamp) {
    return "CAST(FLOOR(" + timestamp + " TO DAY) AS DATE)";
  }

  /** An aggregate call, computed (not substituted by a column of the global aggregate form). */
  String aggregate(Aggregate e) {
    String distinct = e.distinct() ? "DISTINCT " : "";
    String argument = e.argument().map(this::r).orElse("*");
    return switch (e.function()) {
      case COUNT_STAR -> "COUNT(*)";
      case COUNT -> "COUNT(" + distinct + argument + ")";
      case SUM -> "SUM(" + distinct + argument + ")";
      case AVG -> "AVG(" + distinct + argument + ")";
      case MIN -> "MIN(" + distinct + argument + ")";
      case MAX -> "MAX(" + distinct + argument + ")";
    };
  }

  // Constants and conversions.

  static String constant(Constant c) {
    SqlType t = c.type();
    if (c.value().isEmpty()) {
      return "CAST(NULL AS " + t.flinkType() + ")";
    }
    String v = c.value().get();
    return switch (t.base()) {
      case BOOL -> v.toUpperCase(Locale.ROOT);
      case INT2 -> "CAST(" + v + " AS SMALLINT)";
      case INT4 -> v.startsWith("-") ? "CAST(" + v + " AS INT)" : v;
      case INT8 -> "CAST(" + v + " AS BIGINT)";
      case NUMERIC ->
          v.replace("-", "").replace(".", "").length() <= 18
              ? "CAST(" + v + " AS " + t.flinkType() + ")"
              : "CAST(" + Quote.flinkLiteral(v) + " AS " + t.flinkType() + ")";
      case FLOAT4, FLOAT8 ->
          v.equals("NaN") || v.endsWith("Infinity")
              ? "CAST(" + Quote.flinkLiteral(v) + " AS " + t.flinkType() + ")"
              : "CAST(" + v + " AS " + t.flinkType() + ")";
      case TEXT, UNKNOWN, UUID, JSON, JSONB -> Quote.flinkLiteral(v);
      case VARCHAR, BPCHAR ->
          t.precision() < 0
              ? Quote.flinkLiteral(v)
              : "CAST(" + Quote.flinkLiteral(v) + " AS " + t.flinkType() + ")";
      case DATE -> "DATE " + Quote.flinkLiteral(v);
      case TIMESTAMP, TIMESTAMPTZ ->
          "CAST(TIMESTAMP " + Quote.flinkLiteral(v) + " AS " + t.flinkType() + ")";
      case BYTEA -> throw new IllegalStateException("bytea constants are refused by the analyzer");
    };
  }

  /**
   * {@code sql}, a value of type {@code from}, converted as PostgreSQL converts it to {@code to}.
   */
  static String convert(String sql, SqlType from, SqlType to) {
    Base f = from.base();
    Base t = to.base();
    String target = to.flinkType();
    switch (t) {
      case TEXT, VARCHAR, BPCHAR -> {
        String text;
        if (f == Base.BPCHAR) {
          // character(n) loses its padding when it becomes text (or varchar).
          text = t == Base.BPCHAR ? sql : "TRIM(TRAILING ' ' FROM " + sql + ")";
        } else if (f == Base.BOOL) {
          text =
              "CAST(CASE WHEN "
                  + sql
                  + " THEN 'true' WHEN NOT "
                  + sql
                  + " THEN 'false' END AS STRING)";
        } else if (f.isString()
            || f == Base.UNKNOWN
            || f == Base.UUID
            || f == Base.JSON
            || f == Base.JSONB) {
          text = sql;
        } else {
          text = "CAST(" + sql + " AS STRING)";
        }
        return target.equals("STRING") ? text : "CAST(" + text + " AS " + target + ")";
      }
      case INT2, INT4, INT8 -> {
        if (f == Base.NUMERIC) {
          // PostgreSQL rounds half away from zero; Flink's CAST truncates.
          return "CAST(ROUND(" + sql + ", 0) AS " + target + ")";
        }
        return "CAST(" + sql + " AS " + target + ")";
      }
      case DATE -> {
        if (f == Base.TIMESTAMP || f == Base.TIMESTAMPTZ) {
          return day(wallClock(sql, from));
        }
        return f == Base.DATE ? sql : "CAST(" + sql + " AS DATE)";
      }
      default -> {
        if (from.flinkType().equals(target) && f == t) {
          return sql;
        }
        return "CAST(" + sql + " AS " + target + ")";
      }
    }
  }
}
