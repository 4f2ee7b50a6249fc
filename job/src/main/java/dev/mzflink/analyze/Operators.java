package dev.mzflink.analyze;

import static dev.mzflink.analyze.TypeRules.castRefusal;
import static dev.mzflink.analyze.TypeRules.coerce;
import static dev.mzflink.analyze.TypeRules.commonType;
import static dev.mzflink.analyze.TypeRules.describe;
import static dev.mzflink.analyze.TypeRules.numericShape;
import static dev.mzflink.analyze.TypeRules.readUnknown;
import static dev.mzflink.analyze.TypeRules.requireExact;
import static dev.mzflink.analyze.TypeRules.roundedValue;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Call;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.BoundExpression.Conversion;
import dev.mzflink.catalog.BoundExpression.Function;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.catalog.SqlType.Category;
import dev.mzflink.catalog.SqlType.Exactness;
import dev.mzflink.sql.Expression.BinaryOperator;
import dev.mzflink.sql.Expression.Like;
import dev.mzflink.sql.Expression.UnaryOperator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * PostgreSQL's operators on bound operands: which one applies to the operand types, the conversions
 * it implies, and its result type (for numerics, the Flink DECIMAL shape of the result, refused
 * where Flink would drop digits PostgreSQL keeps).
 */
final class Operators {
  private Operators() {}

  static Function comparisonFunction(BinaryOperator op) {
    return switch (op) {
      case EQUAL -> Function.EQUAL;
      case NOT_EQUAL -> Function.NOT_EQUAL;
      case LESS -> Function.LESS;
      case LESS_OR_EQUAL -> Function.LESS_OR_EQUAL;
      case GREATER -> Function.GREATER;
      case GREATER_OR_EQUAL -> Function.GREATER_OR_EQUAL;
      default -> throw new IllegalStateException("not a comparison: " + op);
    };
  }

  /** Converts operands of a comparison (or IN list, BETWEEN) to a common type. */
  static List<BoundExpression> comparable(
      List<BoundExpression> operands, SourcePosition at, String operator) {
    for (BoundExpression o : operands) {
      if (o.type().isRounded()) {
        throw roundedValue(at);
      }
    }
    List<SqlType> types = operands.stream().map(BoundExpression::type).toList();
    SqlType common;
    try {
      common = commonType(types, "", at);
    } catch (UserError e) {
      SqlType a = operands.get(0).type();
      SqlType b =
          operands.stream()
              .map(BoundExpression::type)
              .filter(t -> t.base() != a.base() && t.base() != Base.UNKNOWN)
              .findFirst()
              .orElse(a);
      throw UserError.at(
              at,
              String.format("operator does not exist: %s %s %s", a.pgName(), operator, b.pgName()))
          .withHint(
              "No operator matches the given name and argument types. You might need to add explicit type casts.");
    }
    Base base = common.base();
    if (base == Base.JSON || base == Base.JSONB || base == Base.BYTEA && !operator.equals("=")) {
      throw UserError.at(
          at,
          String.format("comparing values of type %s is not supported in views", common.pgName()));
    }
    if (base.category() == Category.STRING) {
      // character(n) compares without its trailing spaces: as text, trimmed.
      boolean anyBpchar = types.stream().anyMatch(t -> t.base() == Base.BPCHAR);
      List<BoundExpression> out = new ArrayList<>();
      for (BoundExpression o : operands) {
        if (o.type().base() == Base.BPCHAR) {
          out.add(new Conversion(o, SqlType.TEXT));
        } else if (o.type().base() == Base.UNKNOWN && anyBpchar) {
          Constant c = readUnknown((Constant) o, Base.TEXT, at);
          out.add(
              c.value().isEmpty()
                  ? c
                  : new Constant(Optional.of(c.value().get().replaceAll(" +$", "")), SqlType.TEXT));
        } else {
          out.add(coerce(o, SqlType.TEXT, at));
        }
      }
      return out;
    }
    List<BoundExpression> out = new ArrayList<>();
    for (BoundExpression o : operands) {
      SqlType t = o.type();
      if (t.base() == Base.UNKNOWN) {
        out.add(readUnknown((Constant) o, base, at));
      } else if (base == Base.NUMERIC) {
        // Numerics compare in their own shapes: Flink compares DECIMALs of any precision and scale.
        out.add(t.base() == Base.NUMERIC ? o : new Conversion(o, numericShape(t)));
      } else if (base == Base.TIMESTAMP || base == Base.TIMESTAMPTZ) {
        out.add(
            t.base() == base
                ? o
                : new Conversion(
                    o,
                    SqlType.timestamp(
                        base == Base.TIMESTAMPTZ, -1, t.base() == Base.DATE ? 6 : t.precision())));
      } else {
        out.add(t.base() == base ? o : coerce(o, common.withoutTypmod(), at));
      }
    }
    return out;
  }

  static BoundExpression comparison(
      Function f, BoundExpression left, BoundExpression right, SourcePosition at, String operator) {
    if (left.type().base() == Base.UNKNOWN && right.type().base() == Base.UNKNOWN) {
      left = coerce(left, SqlType.TEXT, at);
      right = coerce(right, SqlType.TEXT, at);
    }
    List<BoundExpression> converted = comparable(List.of(left, right), at, operator);
    Base base = converted.get(0).type().base();
    if (base == Base.BOOL || base.category() == Category.OTHER) {
      if (!(f == Function.EQUAL || f == Function.NOT_EQUAL || f == Function.IS_DISTINCT_FROM)
          && base != Base.UUID
          && base != Base.BOOL) {
        throw UserError.at(
            at,
            String.format(
                "comparing values of type %s with %s is not supported in views",
                converted.get(0).type().pgName(), operator));
      }
    }
    return new Call(
        f, converted, SqlType.BOOL, converted.get(0).nullable() || converted.get(1).nullable());
  }

  static BoundExpression arithmetic(
      BinaryOperator op, BoundExpression left, BoundExpression right, SourcePosition at) {
    if (left.type().base() == Base.UNKNOWN && right.type().base() == Base.UNKNOWN) {
      throw UserError.at(at, String.format("operator is not unique: unknown %s unknown", op.sql()))
          .withHint("Cast the literals to a numeric type.");
    }
    if (left.type().base() == Base.UNKNOWN) {
      left = readUnknown((Constant) left, right.type().base(), at);
    }
    if (right.type().base() == Base.UNKNOWN) {
      right = readUnknown((Constant) right, left.type().base(), at);
    }
    SqlType l = left.type();
    SqlType r = right.type();
    if (l.base().category() != Category.NUMERIC || r.base().category() != Category.NUMERIC) {
      throw UserError.at(
              at,
              String.format("operator does not exist: %s %s %s", l.pgName(), op.sql(), r.pgName()))
          .withHint(
              l.base().category() == Category.DATETIME || r.base().category() == Category.DATETIME
                  ? "Date and time arithmetic is not supported in views."
                  : "No operator matches the given name and argument types. You might need to add explicit type casts.");
    }
    requireExact(left, at);
    requireExact(right, at);
    Function f =
        switch (op) {
          case ADD -> Function.ADD;
          case SUBTRACT -> Function.SUBTRACT;
          case MULTIPLY -> Function.MULTIPLY;
          case DIVIDE -> Function.DIVIDE;
          case MODULO -> Function.MODULO;
          default -> throw new IllegalStateException("not arithmetic: " + op);
        };
    boolean nullable = left.nullable() || right.nullable();
    if (l.base().isFloat() || r.base().isFloat()) {
      if (f == Function.MODULO) {
        throw UserError.at(
            at, String.format("operator does not exist: %s %% %s", l.pgName(), r.pgName()));
      }
      SqlType t =
          l.base() == Base.FLOAT4 && r.base() == Base.FLOAT4 ? SqlType.FLOAT4 : SqlType.FLOAT8;
      return new Call(f, List.of(coerce(left, t, at), coerce(right, t, at)), t, nullable);
    }
    if (l.base() == Base.NUMERIC || r.base() == Base.NUMERIC) {
      if (f == Function.MODULO) {
        throw UserError.at(
                at,
                String.format(
                    "operator %% on %s and %s is not supported in views", l.pgName(), r.pgName()))
            .withDetail("Flink 1.20 derives the result type of % on DECIMAL values inconsistently.")
            .withHint("Cast the operands to integers, or compute a - trunc(a / b) * b upstream.");
      }
      SqlType a = shapeOf(left).withoutTypmod();
      SqlType b = shapeOf(right).withoutTypmod();
      BoundExpression x = l.base() == Base.NUMERIC ? left : coerce(left, a, at);
      BoundExpression y = r.base() == Base.NUMERIC ? right : coerce(right, b, at);
      return new Call(f, List.of(x, y), numericResult(f, a, b, at), nullable);
    }
    SqlType t = l.base().rank() >= r.base().rank() ? l.withoutTypmod() : r.withoutTypmod();
    return new Call(f, List.of(coerce(left, t, at), coerce(right, t, at)), t, nullable);
  }

  /**
   * The DECIMAL shape of an arithmetic operand: an integer constant takes as many digits as it has
   * (so {@code 1 - x} does not widen x by ten digits), other integers those of their type.
   */
  private static SqlType shapeOf(BoundExpression e) {
    if (e instanceof Constant c && c.value().isPresent() && c.type().base().isInteger()) {
      int digits = c.value().get().replace("-", "").length();
      return SqlType.numeric(digits, 0, Exactness.EXACT);
    }
    return numericShape(e.type());
  }

  /**
   * The Flink DECIMAL type of a numeric operation, following Flink's rules (LogicalTypeMerging),
   * refused where Flink would drop digits PostgreSQL keeps. Division is mzflink's: the quotient is
   * rounded to {@link #divisionScale} decimals.
   */
  private static SqlType numericResult(Function f, SqlType a, SqlType b, SourcePosition at) {
    int p1 = a.precision();
    int s1 = a.scale();
    int p2 = b.precision();
    int s2 = b.scale();
    Exactness exactness =
        a.exactness() == Exactness.EXACT && b.exactness() == Exactness.EXACT
            ? Exactness.EXACT
            : Exactness.MIXED_SCALE;
    int p;
    int s;
    switch (f) {
      case ADD, SUBTRACT -> {
        s = Math.max(s1, s2);
        p = Math.max(p1 - s1, p2 - s2) + s + 1;
      }
      case MULTIPLY -> {
        s = s1 + s2;
        p = p1 + p2 + 1;
      }
      case MODULO -> {
        s = Math.max(s1, s2);
        p = Math.min(p1 - s1, p2 - s2) + s;
      }
      case DIVIDE -> {
        // The dividend becomes DECIMAL(38, scale + s2): it keeps 38 - scale - s2 integer digits.
        // Wide dividends (sums are DECIMAL(38, s) in Flink) keep at least 20 of theirs.
        int scale = divisionScale(s1, s2);
        int integerDigits = SqlType.MAX_DECIMAL_PRECISION - scale - s2;
        if (integerDigits < Math.min(p1 - s1, DIVIDEND_INTEGER_DIGITS)) {
          throw UserError.at(
                  at,
                  String.format(
                      "numeric division of numeric(%d,%d) by numeric(%d,%d) needs more than 38 digits",
                      p1, s1, p2, s2))
              .withHint("Cast the operands to a numeric(p,s) with fewer digits.");
        }
        return SqlType.numeric(SqlType.MAX_DECIMAL_PRECISION, scale, Exactness.ROUNDED);
      }
      default -> throw new IllegalStateException("not arithmetic: " + f);
    }
    if (p > SqlType.MAX_DECIMAL_PRECISION) {
      int adjusted = Math.max(SqlType.MAX_DECIMAL_PRECISION - (p - s), Math.min(s, 6));
      if (adjusted < s) {
        throw UserError.at(
                at,
                String.format(
                    "numeric result needs %d digits with %d decimals: more than Flink's DECIMAL(38) holds without rounding",
                    p, s))
            .withHint("Cast the operands to a numeric(p,s) with fewer digits.");
      }
      p = SqlType.MAX_DECIMAL_PRECISION;
    }
    return SqlType.numeric(p, s, exactness);
  }

  /**
   * Integer digits a numeric dividend keeps at least; dividends declared wider (sums) overflow
   * beyond 10^20 × 10^(18 - scale - divisor scale) at the most.
   */
  static final int DIVIDEND_INTEGER_DIGITS = 20;

  /** The scale numeric quotients are rounded to: 6, or the operands' larger scale. */
  static int divisionScale(int dividendScale, int divisorScale) {
    return Math.max(SqlType.MIN_ROUNDED_SCALE, Math.max(dividendScale, divisorScale));
  }

  static BoundExpression concat(BoundExpression left, BoundExpression right, SourcePosition at) {
    boolean leftString = left.type().base().isString() || left.type().base() == Base.UNKNOWN;
    boolean rightString = right.type().base().isString() || right.type().base() == Base.UNKNOWN;
    if (!leftString && !rightString) {
      throw UserError.at(
          at,
          String.format(
              "operator does not exist: %s || %s", left.type().pgName(), right.type().pgName()));
    }
    BoundExpression l = asText(left, at);
    BoundExpression r = asText(right, at);
    return new Call(Function.CONCAT, List.of(l, r), SqlType.TEXT, l.nullable() || r.nullable());
  }

  /** {@code e} as text, as PostgreSQL prints it. */
  private static BoundExpression asText(BoundExpression e, SourcePosition at) {
    Base base = e.type().base();
    if (base == Base.TEXT) {
      return e;
    }
    if (base == Base.UNKNOWN || base == Base.VARCHAR) {
      return coerce(e, SqlType.TEXT, at);
    }
    if (e.type().isRounded()) {
      throw roundedValue(at);
    }
    String refusal = castRefusal(e.type(), SqlType.TEXT);
    if (refusal != null) {
      throw UserError.at(
              at,
              String.format("converting %s to text is not supported in views", e.type().pgName()))
          .withDetail(refusal);
    }
    return new Conversion(e, SqlType.TEXT);
  }

  /** Unary plus or minus: numbers only, minus of exact numbers only. */
  static BoundExpression sign(UnaryOperator op, BoundExpression operand, SourcePosition at) {
    if (operand.type().base() == Base.UNKNOWN) {
      throw UserError.at(at, String.format("operator is not unique: %sunknown", op.sql()));
    }
    if (operand.type().base().category() != Category.NUMERIC) {
      throw UserError.at(
          at, String.format("operator does not exist: %s%s", op.sql(), operand.type().pgName()));
    }
    if (op == UnaryOperator.PLUS) {
      return operand;
    }
    requireExact(operand, at);
    return new Call(
        Function.NEGATE, List.of(operand), operand.type().withoutTypmod(), operand.nullable());
  }

  /** [NOT] LIKE: on strings, with a constant pattern that mzflink can pass to Flink exactly. */
  static BoundExpression like(Like e, BoundExpression operand, BoundExpression pattern) {
    if (!isTextLike(operand) || !isTextLike(pattern)) {
      throw UserError.at(
          e.position(),
          String.format(
              "operator does not exist: %s ~~ %s",
              describe(operand.type()), describe(pattern.type())));
    }
    operand = likeOperand(operand, e.position());
    pattern = likeOperand(pattern, e.position());
    if (!(pattern instanceof Constant c)) {
      throw UserError.at(
              e.pattern().position(), "LIKE patterns that are not constants are not supported")
          .withDetail(
              "PostgreSQL lets a backslash escape any character in a pattern; Flink fails on a backslash before "
                  + "anything but %, _ and itself, which mzflink can only rewrite in a constant pattern.");
    }
    if (c.value().isPresent() && endsWithEscape(c.value().get())) {
      throw UserError.at(e.pattern().position(), "LIKE pattern must not end with escape character");
    }
    return new Call(
        e.negated() ? Function.NOT_LIKE : Function.LIKE,
        List.of(operand, pattern),
        SqlType.BOOL,
        operand.nullable() || pattern.nullable());
  }

  private static boolean endsWithEscape(String pattern) {
    int backslashes = 0;
    for (int i = pattern.length() - 1; i >= 0 && pattern.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }

  private static boolean isTextLike(BoundExpression e) {
    return e.type().base().isString() || e.type().base() == Base.UNKNOWN;
  }

  private static BoundExpression likeOperand(BoundExpression e, SourcePosition at) {
    // LIKE on character(n) sees the padding, as in PostgreSQL.
    return e.type().base() == Base.UNKNOWN ? coerce(e, SqlType.TEXT, at) : e;
  }
}
