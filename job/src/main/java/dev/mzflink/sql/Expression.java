package dev.mzflink.sql;

import static java.util.Objects.requireNonNull;

import dev.mzflink.SourcePosition;
import java.util.List;
import java.util.Optional;

/**
 * A value expression of a SELECT, in the PostgreSQL dialect, as the user wrote it (names not yet
 * resolved, types not yet known). Parentheses leave no trace; every node keeps its position for
 * error messages.
 */
public sealed interface Expression {
  SourcePosition position();

  <R> R accept(Visitor<R> visitor);

  /** One method per expression kind, so that a new kind breaks the build where it is handled. */
  interface Visitor<R> {
    R visitColumn(Column e);

    R visitNumber(NumberLiteral e);

    R visitString(StringLiteral e);

    R visitBoolean(BooleanLiteral e);

    R visitNull(NullLiteral e);

    R visitTypedLiteral(TypedLiteral e);

    R visitCast(Cast e);

    R visitBinary(Binary e);

    R visitUnary(Unary e);

    R visitIs(Is e);

    R visitIsDistinctFrom(IsDistinctFrom e);

    R visitBetween(Between e);

    R visitInList(InList e);

    R visitInSubquery(InSubquery e);

    R visitExists(Exists e);

    R visitScalarSubquery(ScalarSubquery e);

    R visitLike(Like e);

    R visitCase(Case e);

    R visitFunctionCall(FunctionCall e);

    R visitExtract(Extract e);
  }

  /** The binary operators mzflink parses; {@code !=} is read as {@code <>}. */
  enum BinaryOperator {
    OR("OR"),
    AND("AND"),
    EQUAL("="),
    NOT_EQUAL("<>"),
    LESS("<"),
    LESS_OR_EQUAL("<="),
    GREATER(">"),
    GREATER_OR_EQUAL(">="),
    CONCAT("||"),
    ADD("+"),
    SUBTRACT("-"),
    MULTIPLY("*"),
    DIVIDE("/"),
    MODULO("%");

    private final String sql;

    BinaryOperator(String sql) {
      this.sql = sql;
    }

    public String sql() {
      return sql;
    }

    public boolean isComparison() {
      return switch (this) {
        case EQUAL, NOT_EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL -> true;
        case OR, AND, CONCAT, ADD, SUBTRACT, MULTIPLY, DIVIDE, MODULO -> false;
      };
    }

    public boolean isArithmetic() {
      return switch (this) {
        case ADD, SUBTRACT, MULTIPLY, DIVIDE, MODULO -> true;
        case OR, AND, EQUAL, NOT_EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL, CONCAT ->
            false;
      };
    }
  }

  enum UnaryOperator {
    NOT("NOT "),
    MINUS("-"),
    PLUS("+");

    private final String sql;

    UnaryOperator(String sql) {
      this.sql = sql;
    }

    public String sql() {
      return sql;
    }
  }

  /** What an {@code IS [NOT] ...} test asks. */
  enum IsKind {
    NULL,
    TRUE,
    FALSE,
    UNKNOWN
  }

  /**
   * A column reference: {@code c}, {@code t.c} or {@code s.t.c}, parts folded as the lexer does.
   */
  record Column(List<String> parts, SourcePosition position) implements Expression {
    public Column {
      parts = List.copyOf(requireNonNull(parts, "parts is null"));
      requireNonNull(position, "position is null");
      if (parts.isEmpty()) {
        throw new IllegalArgumentException("a column reference has a name");
      }
    }

    public String name() {
      return parts.get(parts.size() - 1);
    }

    /** The qualifier before the column name: the table (and schema), empty when unqualified. */
    public List<String> qualifier() {
      return parts.subList(0, parts.size() - 1);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitColumn(this);
    }
  }

  /** A numeric constant as written, without sign: {@code 42}, {@code 1.50}, {@code 1e3}. */
  record NumberLiteral(String text, SourcePosition position) implements Expression {
    public NumberLiteral {
      requireNonNull(text, "text is null");
      requireNonNull(position, "position is null");
    }

    /** Digits only: PostgreSQL types it as integer, bigint or numeric by its size. */
    public boolean isInteger() {
      return text.chars().allMatch(Character::isDigit);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitNumber(this);
    }
  }

  /** A string constant; its type comes from where it is used (PostgreSQL's "unknown"). */
  record StringLiteral(String value, SourcePosition position) implements Expression {
    public StringLiteral {
      requireNonNull(value, "value is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitString(this);
    }
  }

  record BooleanLiteral(boolean value, SourcePosition position) implements Expression {
    public BooleanLiteral {
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitBoolean(this);
    }
  }

  record NullLiteral(SourcePosition position) implements Expression {
    public NullLiteral {
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitNull(this);
    }
  }

  /** {@code type 'text'}, e.g. {@code DATE '2024-01-31'}. */
  record TypedLiteral(TypeName type, String value, SourcePosition position) implements Expression {
    public TypedLiteral {
      requireNonNull(type, "type is null");
      requireNonNull(value, "value is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitTypedLiteral(this);
    }
  }

  /** {@code CAST(operand AS type)} or {@code operand::type}. */
  record Cast(Expression operand, TypeName type, SourcePosition position) implements Expression {
    public Cast {
      requireNonNull(operand, "operand is null");
      requireNonNull(type, "type is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCast(this);
    }
  }

  /** {@code left operator right}; the position is the operator's. */
  record Binary(BinaryOperator operator, Expression left, Expression right, SourcePosition position)
      implements Expression {
    public Binary {
      requireNonNull(operator, "operator is null");
      requireNonNull(left, "left is null");
      requireNonNull(right, "right is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitBinary(this);
    }
  }

  record Unary(UnaryOperator operator, Expression operand, SourcePosition position)
      implements Expression {
    public Unary {
      requireNonNull(operator, "operator is null");
      requireNonNull(operand, "operand is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitUnary(this);
    }
  }

  /** {@code operand IS [NOT] NULL|TRUE|FALSE|UNKNOWN}. */
  record Is(Expression operand, IsKind kind, boolean negated, SourcePosition position)
      implements Expression {
    public Is {
      requireNonNull(operand, "operand is null");
      requireNonNull(kind, "kind is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitIs(this);
    }
  }

  /** {@code left IS [NOT] DISTINCT FROM right}. */
  record IsDistinctFrom(Expression left, Expression right, boolean negated, SourcePosition position)
      implements Expression {
    public IsDistinctFrom {
      requireNonNull(left, "left is null");
      requireNonNull(right, "right is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitIsDistinctFrom(this);
    }
  }

  /** {@code operand [NOT] BETWEEN low AND high}. */
  record Between(
      Expression operand, Expression low, Expression high, boolean negated, SourcePosition position)
      implements Expression {
    public Between {
      requireNonNull(operand, "operand is null");
      requireNonNull(low, "low is null");
      requireNonNull(high, "high is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitBetween(this);
    }
  }

  /** {@code operand [NOT] IN (value, ...)}. */
  record InList(
      Expression operand, List<Expression> values, boolean negated, SourcePosition position)
      implements Expression {
    public InList {
      requireNonNull(operand, "operand is null");
      values = List.copyOf(requireNonNull(values, "values is null"));
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitInList(this);
    }
  }

  /** {@code operand [NOT] IN (SELECT ...)}. */
  record InSubquery(Expression operand, Query query, boolean negated, SourcePosition position)
      implements Expression {
    public InSubquery {
      requireNonNull(operand, "operand is null");
      requireNonNull(query, "query is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitInSubquery(this);
    }
  }

  /** {@code EXISTS (SELECT ...)}; NOT EXISTS is a {@link Unary} NOT around it. */
  record Exists(Query query, SourcePosition position) implements Expression {
    public Exists {
      requireNonNull(query, "query is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitExists(this);
    }
  }

  /** {@code (SELECT ...)} used as a value. */
  record ScalarSubquery(Query query, SourcePosition position) implements Expression {
    public ScalarSubquery {
      requireNonNull(query, "query is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitScalarSubquery(this);
    }
  }

  /** {@code operand [NOT] LIKE pattern}. */
  record Like(Expression operand, Expression pattern, boolean negated, SourcePosition position)
      implements Expression {
    public Like {
      requireNonNull(operand, "operand is null");
      requireNonNull(pattern, "pattern is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitLike(this);
    }
  }

  /** {@code WHEN condition THEN result} of a CASE. */
  record When(Expression condition, Expression result) {
    public When {
      requireNonNull(condition, "condition is null");
      requireNonNull(result, "result is null");
    }
  }

  /**
   * {@code CASE [operand] WHEN ... THEN ... [ELSE ...] END}. With an operand, each condition is a
   * value compared with it.
   */
  record Case(
      Optional<Expression> operand,
      List<When> whens,
      Optional<Expression> otherwise,
      SourcePosition position)
      implements Expression {
    public Case {
      requireNonNull(operand, "operand is null");
      whens = List.copyOf(requireNonNull(whens, "whens is null"));
      requireNonNull(otherwise, "otherwise is null");
      requireNonNull(position, "position is null");
      if (whens.isEmpty()) {
        throw new IllegalArgumentException("CASE needs a WHEN");
      }
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCase(this);
    }
  }

  /**
   * A function call: {@code name(args)}, {@code name(DISTINCT args)}, {@code count(*)}. SQL's
   * special forms are read as calls: {@code SUBSTRING(s FROM a FOR b)} is {@code substring(s, a,
   * b)}; {@code CURRENT_TIMESTAMP} and friends are calls without arguments.
   */
  record FunctionCall(
      QualifiedName name,
      List<Expression> arguments,
      boolean distinct,
      boolean star,
      SourcePosition position)
      implements Expression {
    public FunctionCall {
      requireNonNull(name, "name is null");
      arguments = List.copyOf(requireNonNull(arguments, "arguments is null"));
      requireNonNull(position, "position is null");
      if (star && (!arguments.isEmpty() || distinct)) {
        throw new IllegalArgumentException("f(*) has no arguments");
      }
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitFunctionCall(this);
    }
  }

  /** {@code EXTRACT(field FROM source)}; the field folded to lower case. */
  record Extract(String field, Expression source, SourcePosition position) implements Expression {
    public Extract {
      requireNonNull(field, "field is null");
      requireNonNull(source, "source is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitExtract(this);
    }
  }
}
