package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * An analyzed expression: names resolved to relation columns, every implicit conversion made
 * explicit, PostgreSQL's operator and function chosen, and its type known. What the translator
 * renders; it never needs to look at the catalog or guess a type. No positions: two expressions are
 * equal when they compute the same thing (GROUP BY matching relies on it).
 */
public sealed interface BoundExpression {
  SqlType type();

  /** Whether the value can be NULL. */
  boolean nullable();

  /** The expressions this one computes from, not looking into subqueries. */
  List<BoundExpression> children();

  <R> R accept(Visitor<R> visitor);

  interface Visitor<R> {
    R visitColumn(ColumnReference e);

    R visitConstant(Constant e);

    R visitConversion(Conversion e);

    R visitCall(Call e);

    R visitCase(Case e);

    R visitInSubquery(InSubquery e);

    R visitExists(Exists e);

    R visitAggregate(Aggregate e);

    R visitDateTrunc(DateTrunc e);

    R visitExtract(ExtractField e);
  }

  /** The operators and scalar functions views translate. */
  enum Function {
    ADD,
    SUBTRACT,
    MULTIPLY,
    DIVIDE,
    MODULO,
    NEGATE,
    CONCAT,
    EQUAL,
    NOT_EQUAL,
    LESS,
    LESS_OR_EQUAL,
    GREATER,
    GREATER_OR_EQUAL,
    AND,
    OR,
    NOT,
    IS_NULL,
    IS_NOT_NULL,
    IS_TRUE,
    IS_NOT_TRUE,
    IS_FALSE,
    IS_NOT_FALSE,
    IS_UNKNOWN,
    IS_NOT_UNKNOWN,
    IS_DISTINCT_FROM,
    IS_NOT_DISTINCT_FROM,
    /** Arguments: operand, low, high. */
    BETWEEN,
    NOT_BETWEEN,
    /** Arguments: operand, then the values. */
    IN,
    NOT_IN,
    LIKE,
    NOT_LIKE,
    COALESCE,
    LOWER,
    UPPER,
    /** Characters, as PostgreSQL's length(text). */
    LENGTH,
    /** PostgreSQL's substr(text, from [, count]). */
    SUBSTR
  }

  enum AggregateFunction {
    COUNT_STAR,
    COUNT,
    SUM,
    AVG,
    MIN,
    MAX
  }

  /** Units of date_trunc and fields of extract. */
  enum DateField {
    SECOND,
    MINUTE,
    HOUR,
    DAY,
    WEEK,
    MONTH,
    QUARTER,
    YEAR,
    /** Day of the week, Sunday 0 (extract only). */
    DOW,
    /** ISO day of the week, Monday 1 (extract only). */
    ISODOW,
    /** Day of the year (extract only). */
    DOY
  }

  /** A column of a relation of the view's query (possibly of an enclosing query: correlated). */
  record ColumnReference(int relation, String column, SqlType type, boolean nullable)
      implements BoundExpression {
    public ColumnReference {
      requireNonNull(column, "column is null");
      requireNonNull(type, "type is null");
    }

    @Override
    public List<BoundExpression> children() {
      return List.of();
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitColumn(this);
    }
  }

  /**
   * A constant in canonical text form: digits for numbers ({@code -12}, {@code 1.50}), {@code
   * true}/{@code false}, ISO dates and timestamps (timestamptz in UTC), the characters of a string.
   * Empty for NULL.
   */
  record Constant(Optional<String> value, SqlType type) implements BoundExpression {
    public Constant {
      requireNonNull(value, "value is null");
      requireNonNull(type, "type is null");
    }

    public static Constant nullOf(SqlType type) {
      return new Constant(Optional.empty(), type);
    }

    @Override
    public boolean nullable() {
      return value.isEmpty();
    }

    @Override
    public List<BoundExpression> children() {
      return List.of();
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitConstant(this);
    }
  }

  /** A conversion PostgreSQL applies (implicitly or by an explicit cast) to {@code type}. */
  record Conversion(BoundExpression operand, SqlType type) implements BoundExpression {
    public Conversion {
      requireNonNull(operand, "operand is null");
      requireNonNull(type, "type is null");
    }

    @Override
    public boolean nullable() {
      return operand.nullable();
    }

    @Override
    public List<BoundExpression> children() {
      return List.of(operand);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitConversion(this);
    }
  }

  /** An operator or function applied to arguments already converted to the types it takes. */
  record Call(Function function, List<BoundExpression> arguments, SqlType type, boolean nullable)
      implements BoundExpression {
    public Call {
      requireNonNull(function, "function is null");
      arguments = List.copyOf(requireNonNull(arguments, "arguments is null"));
      requireNonNull(type, "type is null");
    }

    @Override
    public List<BoundExpression> children() {
      return arguments;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCall(this);
    }
  }

  record When(BoundExpression condition, BoundExpression result) {
    public When {
      requireNonNull(condition, "condition is null");
      requireNonNull(result, "result is null");
    }
  }

  /** A searched CASE; every result already has the CASE's type. */
  record Case(List<When> whens, Optional<BoundExpression> otherwise, SqlType type, boolean nullable)
      implements BoundExpression {
    public Case {
      whens = List.copyOf(requireNonNull(whens, "whens is null"));
      requireNonNull(otherwise, "otherwise is null");
      requireNonNull(type, "type is null");
    }

    @Override
    public List<BoundExpression> children() {
      List<BoundExpression> out = new java.util.ArrayList<>();
      for (When w : whens) {
        out.add(w.condition());
        out.add(w.result());
      }
      otherwise.ifPresent(out::add);
      return out;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCase(this);
    }
  }

  /**
   * {@code operand [NOT] IN (query)}: the operand and the query's one column are compared as {@code
   * comparisonType} (the operand is already converted to it; the column may need to be).
   */
  record InSubquery(
      BoundExpression operand, BoundQuery query, boolean negated, SqlType comparisonType)
      implements BoundExpression {
    public InSubquery {
      requireNonNull(operand, "operand is null");
      requireNonNull(query, "query is null");
      requireNonNull(comparisonType, "comparisonType is null");
    }

    @Override
    public SqlType type() {
      return SqlType.BOOL;
    }

    @Override
    public boolean nullable() {
      return true;
    }

    @Override
    public List<BoundExpression> children() {
      return List.of(operand);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitInSubquery(this);
    }
  }

  record Exists(BoundQuery query) implements BoundExpression {
    public Exists {
      requireNonNull(query, "query is null");
    }

    @Override
    public SqlType type() {
      return SqlType.BOOL;
    }

    @Override
    public boolean nullable() {
      return false;
    }

    @Override
    public List<BoundExpression> children() {
      return List.of();
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitExists(this);
    }
  }

  /**
   * An aggregate call; the argument already has the type the aggregate computes in (a sum of
   * integers sums bigints).
   */
  record Aggregate(
      AggregateFunction function,
      Optional<BoundExpression> argument,
      boolean distinct,
      SqlType type)
      implements BoundExpression {
    public Aggregate {
      requireNonNull(function, "function is null");
      requireNonNull(argument, "argument is null");
      requireNonNull(type, "type is null");
    }

    @Override
    public boolean nullable() {
      return function != AggregateFunction.COUNT && function != AggregateFunction.COUNT_STAR;
    }

    @Override
    public List<BoundExpression> children() {
      return argument.map(List::of).orElse(List.of());
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitAggregate(this);
    }
  }

  /** date_trunc(unit, source): source is a timestamp or timestamptz (dates are converted). */
  record DateTrunc(DateField unit, BoundExpression source, SqlType type)
      implements BoundExpression {
    public DateTrunc {
      requireNonNull(unit, "unit is null");
      requireNonNull(source, "source is null");
      requireNonNull(type, "type is null");
    }

    @Override
    public boolean nullable() {
      return source.nullable();
    }

    @Override
    public List<BoundExpression> children() {
      return List.of(source);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitDateTrunc(this);
    }
  }

  /** extract(field FROM source), a numeric. */
  record ExtractField(DateField field, BoundExpression source, SqlType type)
      implements BoundExpression {
    public ExtractField {
      requireNonNull(field, "field is null");
      requireNonNull(source, "source is null");
      requireNonNull(type, "type is null");
    }

    @Override
    public boolean nullable() {
      return source.nullable();
    }

    @Override
    public List<BoundExpression> children() {
      return List.of(source);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitExtract(this);
    }
  }
}
