package dev.mzflink.analyze;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.BoundExpression.Conversion;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.catalog.SqlType.Category;
import dev.mzflink.catalog.SqlType.Exactness;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's type rules for values, with the Flink shape of each type: explicit casts and
 * implicit coercions (untyped literals read as the type they meet), the common type of CASE,
 * COALESCE, UNION, IN and BETWEEN inputs, and the refusal of casts and of rounded values mzflink
 * cannot compute exactly as PostgreSQL does.
 */
final class TypeRules {
  private TypeRules() {}

  /** Whether {@code t} is {@code numeric} without a type modifier as a cast target. */
  private static boolean unconstrainedNumeric(SqlType t) {
    return t.base() == Base.NUMERIC && t.pgTypmod() < 0 && t.precision() == 0;
  }

  /** An explicit cast. */
  static BoundExpression cast(BoundExpression operand, SqlType target, SourcePosition at) {
    SqlType from = operand.type();
    if (from.base() == Base.UNKNOWN) {
      if (unconstrainedNumeric(target)) {
        return readUnknown((Constant) operand, Base.NUMERIC, at);
      }
      return coerce(operand, target, at);
    }
    if (unconstrainedNumeric(target)) {
      // numeric without a modifier keeps the operand's value and scale.
      if (from.base() == Base.NUMERIC) {
        return from.pgTypmod() < 0 ? operand : new Conversion(operand, from.withoutTypmod());
      }
      if (from.base().isInteger()) {
        return new Conversion(operand, numericShape(from));
      }
      String why =
          from.base().isFloat()
              ? castRefusal(
                  from, SqlType.numeric(SqlType.MAX_DECIMAL_PRECISION, 0, Exactness.EXACT))
              : from.base().isString()
                  ? "The scale of text converted to numeric is only known per value: cast to numeric(p,s) instead."
                  : "mzflink does not translate this cast.";
      throw UserError.at(at, String.format("cannot cast type %s to numeric", from.pgName()))
          .withDetail(why);
    }
    if (from.equals(target)) {
      return operand;
    }
    if (from.isRounded()) {
      throw roundedValue(at);
    }
    String refusal = castRefusal(from, target);
    if (refusal != null) {
      throw UserError.at(
              at, String.format("cannot cast type %s to %s", from.pgName(), target.pgName()))
          .withDetail(refusal);
    }
    return new Conversion(operand, target);
  }

  /** Why a cast cannot be translated exactly, or null when it can. */
  static String castRefusal(SqlType from, SqlType to) {
    Base f = from.base();
    Base t = to.base();
    if (f == t) {
      if (f == Base.TIMESTAMP || f == Base.TIMESTAMPTZ) {
        return to.precision() < from.precision()
            ? "PostgreSQL rounds fractional seconds to the smaller precision where Flink truncates them."
            : null;
      }
      return null;
    }
    if (f.category() == Category.NUMERIC && t.category() == Category.NUMERIC) {
      if (f.isFloat() && !t.isFloat()) {
        return f.isFloat() && t == Base.NUMERIC
            ? "PostgreSQL converts binary floating point to numeric by its 15 significant decimal digits; Flink by its exact binary value."
            : "PostgreSQL rounds half to even when it casts floating point to integers; Flink truncates.";
      }
      return null;
    }
    if (t == Base.TEXT || t == Base.VARCHAR || t == Base.BPCHAR) {
      return switch (f) {
        case TEXT, VARCHAR, BPCHAR, UUID, JSON, JSONB, INT2, INT4, INT8, BOOL, DATE -> null;
        case NUMERIC ->
            from.exactness() == Exactness.EXACT
                ? null
                : "PostgreSQL prints each value with its own number of decimals; mzflink only knows the column's.";
        case FLOAT4, FLOAT8 ->
            "PostgreSQL and Flink print floating point numbers differently (1 and 1.0).";
        case TIMESTAMP, TIMESTAMPTZ -> "PostgreSQL and Flink print timestamps differently.";
        default -> "mzflink does not translate this cast.";
      };
    }
    if (f.isString()) {
      return switch (t) {
        case INT2, INT4, INT8, NUMERIC -> null;
        default -> "Flink reads " + to.pgName() + " from text in other formats than PostgreSQL.";
      };
    }
    if (f == Base.BOOL && t.isInteger()) {
      return t == Base.INT4 ? null : "PostgreSQL casts boolean to integer only.";
    }
    if (f.isInteger() && t == Base.BOOL) {
      return f == Base.INT4 ? null : "PostgreSQL casts only integer to boolean.";
    }
    if (f.category() == Category.DATETIME && t.category() == Category.DATETIME) {
      if (t == Base.DATE || f == Base.DATE) {
        return null;
      }
      return to.precision() < from.precision()
          ? "PostgreSQL rounds fractional seconds to the smaller precision where Flink truncates them."
          : null;
    }
    return "mzflink does not translate this cast.";
  }

  /** The DECIMAL shape a numeric or integer value has in Flink. */
  static SqlType numericShape(SqlType t) {
    return switch (t.base()) {
      case INT2 -> SqlType.numeric(5, 0, Exactness.EXACT);
      case INT4 -> SqlType.numeric(10, 0, Exactness.EXACT);
      case INT8 -> SqlType.numeric(19, 0, Exactness.EXACT);
      case NUMERIC -> t;
      default -> throw new IllegalStateException("not an exact number: " + t);
    };
  }

  /**
   * Converts {@code e} to {@code target} the way PostgreSQL coerces implicitly (literals are read
   * as the target type).
   */
  static BoundExpression coerce(BoundExpression e, SqlType target, SourcePosition at) {
    SqlType from = e.type();
    if (from.equals(target)) {
      return e;
    }
    if (from.base() == Base.UNKNOWN) {
      Constant c = (Constant) e;
      SqlType as = target.base() == Base.UNKNOWN ? SqlType.TEXT : target;
      if (c.value().isEmpty()) {
        return Constant.nullOf(as);
      }
      Constant read = Literals.read(c.value().get(), as, at);
      return read.type().equals(as) ? read : new Conversion(read, as);
    }
    if (from.isRounded()
        && !(target.base() == Base.NUMERIC
            && target.scale() == from.scale()
            && target.precision() >= from.precision())) {
      throw roundedValue(at);
    }
    if (e instanceof Constant c && c.value().isEmpty()) {
      return Constant.nullOf(target);
    }
    return new Conversion(e, target);
  }

  /**
   * An untyped literal as an operand of an operator taking {@code base}: numerics keep the
   * literal's own digits (operators take numeric without a type modifier); others are read as the
   * base type.
   */
  static Constant readUnknown(Constant c, Base base, SourcePosition at) {
    SqlType as =
        switch (base) {
          case NUMERIC -> SqlType.numeric(SqlType.MAX_DECIMAL_PRECISION, 0, Exactness.EXACT);
          case TIMESTAMP, TIMESTAMPTZ -> SqlType.timestamp(base == Base.TIMESTAMPTZ, -1, 6);
          case VARCHAR, BPCHAR, UNKNOWN -> SqlType.TEXT;
          default ->
              c.type().base() == base
                  ? c.type()
                  : new SqlType(base, -1, defaultPrecision(base), 0, Exactness.EXACT);
        };
    if (c.value().isEmpty()) {
      return base == Base.NUMERIC
          ? Constant.nullOf(SqlType.numeric(1, 0, Exactness.EXACT))
          : Constant.nullOf(as);
    }
    return Literals.read(c.value().get(), as, at);
  }

  private static int defaultPrecision(Base base) {
    return switch (base) {
      case TEXT, VARCHAR, BPCHAR, UUID, JSON, JSONB, UNKNOWN -> -1;
      case TIMESTAMP, TIMESTAMPTZ -> 6;
      default -> 0;
    };
  }

  /**
   * Resolves the inputs of a CASE, COALESCE or UNION column to one type: PostgreSQL's
   * select_common_type, untyped literals read as that type (numeric literals with their own digits,
   * so the common shape holds them), then each input converted.
   */
  static List<BoundExpression> unify(
      List<BoundExpression> inputs, String context, SourcePosition at) {
    SqlType common = commonType(inputs.stream().map(BoundExpression::type).toList(), context, at);
    List<BoundExpression> read = new ArrayList<>();
    for (BoundExpression e : inputs) {
      if (e.type().base() == Base.UNKNOWN
          && common.base() == Base.NUMERIC
          && common.pgTypmod() < 0) {
        read.add(readUnknown((Constant) e, Base.NUMERIC, at));
      } else {
        read.add(e);
      }
    }
    SqlType type = commonType(read.stream().map(BoundExpression::type).toList(), context, at);
    return read.stream().map(e -> coerce(e, type, at)).toList();
  }

  /**
   * PostgreSQL's select_common_type: the type a CASE, COALESCE, UNION, IN or BETWEEN resolves its
   * inputs to, and its Flink shape.
   */
  static SqlType commonType(List<SqlType> types, String context, SourcePosition at) {
    List<SqlType> known = types.stream().filter(t -> t.base() != Base.UNKNOWN).toList();
    if (known.isEmpty()) {
      return SqlType.TEXT;
    }
    SqlType candidate = known.get(0);
    for (SqlType next : known.subList(1, known.size())) {
      if (next.base() == candidate.base()) {
        continue;
      }
      Category category = candidate.base().category();
      if (category != next.base().category() || category == Category.OTHER) {
        throw UserError.at(
            at,
            String.format(
                "%s types %s and %s cannot be matched",
                context, candidate.pgName(), next.pgName()));
      }
      if ((category == Category.NUMERIC || category == Category.DATETIME)
          && next.base().rank() > candidate.base().rank()) {
        candidate = next;
      }
    }
    Base base = candidate.base();
    boolean sameTypmod =
        known.stream().allMatch(t -> t.base() == base && t.pgTypmod() == known.get(0).pgTypmod());
    int typmod = sameTypmod ? known.get(0).pgTypmod() : -1;
    switch (base) {
      case NUMERIC -> {
        int intDigits = 0;
        int scale = 0;
        boolean rounded = false;
        boolean mixed = false;
        Integer firstScale = null;
        for (SqlType t : known) {
          SqlType shape = numericShape(t);
          intDigits = Math.max(intDigits, shape.precision() - shape.scale());
          scale = Math.max(scale, shape.scale());
          rounded |= shape.exactness() == Exactness.ROUNDED;
          mixed |=
              shape.exactness() == Exactness.MIXED_SCALE
                  || (firstScale != null && firstScale != shape.scale());
          firstScale = firstScale == null ? shape.scale() : firstScale;
        }
        if (intDigits + scale > SqlType.MAX_DECIMAL_PRECISION) {
          throw UserError.at(
                  at,
                  String.format(
                      "%s of numeric values needs %d digits, more than Flink's DECIMAL holds (38)",
                      context, intDigits + scale))
              .withHint("Cast the values to a numeric(p,s) with p at most 38.");
        }
        if (sameTypmod && typmod >= 0) {
          return known.get(0);
        }
        Exactness e = rounded ? Exactness.ROUNDED : mixed ? Exactness.MIXED_SCALE : Exactness.EXACT;
        return SqlType.numeric(intDigits + scale, scale, e);
      }
      case TIMESTAMP, TIMESTAMPTZ -> {
        int precision =
            known.stream().mapToInt(t -> t.base() == Base.DATE ? 0 : t.precision()).max().orElse(6);
        return SqlType.timestamp(base == Base.TIMESTAMPTZ, typmod, precision);
      }
      case VARCHAR, BPCHAR -> {
        boolean sameShape =
            known.stream()
                .allMatch(t -> t.base() == base && t.precision() == known.get(0).precision());
        return new SqlType(
            base, typmod, sameShape ? known.get(0).precision() : -1, 0, Exactness.EXACT);
      }
      default -> {
        return new SqlType(
            base, typmod, candidate.precision(), candidate.scale(), candidate.exactness());
      }
    }
  }

  /** {@code e} as a boolean condition of {@code what}: an untyped literal is read as one. */
  static BoundExpression requireBoolean(BoundExpression e, String what, SourcePosition at) {
    if (e.type().base() == Base.UNKNOWN) {
      return coerce(e, SqlType.BOOL, at);
    }
    if (e.type().base() != Base.BOOL) {
      throw UserError.at(
          at,
          String.format(
              "argument of %s must be type boolean, not type %s", what, e.type().pgName()));
    }
    return e;
  }

  /** A type as PostgreSQL names it in the errors of operators and functions. */
  static String describe(SqlType t) {
    return t.base() == Base.UNKNOWN ? "unknown" : t.pgName();
  }

  /** Refuses a rounded value (an average or a numeric quotient) as an operand. */
  static void requireExact(BoundExpression e, SourcePosition at) {
    if (e.type().isRounded()) {
      throw roundedValue(at);
    }
  }

  /** The error for a rounded value where only an exact one gives PostgreSQL's answer. */
  static UserError roundedValue(SourcePosition at) {
    return UserError.at(at, "the result of avg() or of numeric division cannot be used here")
        .withDetail(
            "mzflink rounds averages and numeric quotients half away from zero to 6 decimals (more when an operand has "
                + "more), where PostgreSQL computes at least 16 significant digits: comparing, grouping or computing "
                + "with the rounded value could give a different answer than PostgreSQL. Such values can be selected, "
                + "passed through views, and used in min(), max(), count(), CASE results and COALESCE.")
        .withHint(
            "Compare sums instead of averages, e.g. sum(x) > 10 * count(x) rather than avg(x) > 10.");
  }
}
