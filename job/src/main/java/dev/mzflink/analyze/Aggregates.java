package dev.mzflink.analyze;

import static dev.mzflink.analyze.Functions.noSuchFunction;
import static dev.mzflink.analyze.TypeRules.coerce;
import static dev.mzflink.analyze.TypeRules.numericShape;
import static dev.mzflink.analyze.TypeRules.roundedValue;

import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Aggregate;
import dev.mzflink.catalog.BoundExpression.AggregateFunction;
import dev.mzflink.catalog.BoundExpression.Conversion;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.catalog.SqlType.Exactness;
import dev.mzflink.sql.Expression.FunctionCall;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves calls of the aggregates views support (count, sum, avg, min, max) on their bound
 * argument: PostgreSQL's result types, in Flink shapes wide enough to hold them.
 */
final class Aggregates {
  private static final Set<String> NAMES = Set.of("count", "sum", "avg", "min", "max");

  private Aggregates() {}

  /** Whether {@code name} names an aggregate. */
  static boolean isAggregate(String name) {
    return NAMES.contains(name);
  }

  /** {@code name(*)}: count(*), or the error for any other aggregate. */
  static Aggregate star(FunctionCall e, String name) {
    if (!name.equals("count")) {
      throw Functions.starArgument(e, name);
    }
    return new Aggregate(AggregateFunction.COUNT_STAR, Optional.empty(), false, SqlType.INT8);
  }

  /** A call of aggregate {@code name} on its bound arguments. */
  static Aggregate resolve(FunctionCall e, String name, List<BoundExpression> arguments) {
    if (arguments.size() != 1) {
      throw noSuchFunction(e, arguments);
    }
    BoundExpression argument = arguments.get(0);
    SqlType t = argument.type();
    Base base = t.base();
    if (base == Base.UNKNOWN) {
      if (name.equals("count")) {
        argument = coerce(argument, SqlType.TEXT, e.position());
      } else {
        throw UserError.at(e.position(), String.format("function %s(unknown) is not unique", name))
            .withHint("Cast the literal to a type.");
      }
    }
    boolean distinct = e.distinct();
    if (t.isRounded()
        && !(name.equals("min") || name.equals("max") || (name.equals("count") && !distinct))) {
      throw roundedValue(e.position());
    }
    switch (name) {
      case "count" -> {
        return new Aggregate(
            AggregateFunction.COUNT, Optional.of(argument), distinct, SqlType.INT8);
      }
      case "sum" -> {
        if (base == Base.INT2 || base == Base.INT4) {
          return new Aggregate(
              AggregateFunction.SUM,
              Optional.of(new Conversion(argument, SqlType.INT8)),
              distinct,
              SqlType.INT8);
        }
        if (base == Base.INT8) {
          SqlType wide = SqlType.numeric(SqlType.MAX_DECIMAL_PRECISION, 0, Exactness.EXACT);
          return new Aggregate(
              AggregateFunction.SUM, Optional.of(new Conversion(argument, wide)), distinct, wide);
        }
        if (base == Base.NUMERIC) {
          return new Aggregate(
              AggregateFunction.SUM,
              Optional.of(argument),
              distinct,
              SqlType.numeric(SqlType.MAX_DECIMAL_PRECISION, t.scale(), t.exactness()));
        }
        if (base.isFloat()) {
          return new Aggregate(
              AggregateFunction.SUM, Optional.of(argument), distinct, t.withoutTypmod());
        }
        throw noSuchFunction(e, arguments);
      }
      case "avg" -> {
        if (base.isInteger() || base == Base.NUMERIC) {
          int scale = Math.max(SqlType.MIN_ROUNDED_SCALE, numericShape(t).scale());
          SqlType shape = numericShape(t);
          if (shape.precision() - shape.scale() > SqlType.MAX_DECIMAL_PRECISION - scale) {
            throw UserError.at(
                e.position(), String.format("avg(%s) needs more than 38 digits", t.pgName()));
          }
          SqlType wide = SqlType.numeric(SqlType.MAX_DECIMAL_PRECISION, scale, Exactness.EXACT);
          return new Aggregate(
              AggregateFunction.AVG,
              Optional.of(new Conversion(argument, wide)),
              distinct,
              SqlType.numeric(SqlType.MAX_DECIMAL_PRECISION, scale, Exactness.ROUNDED));
        }
        if (base.isFloat()) {
          return new Aggregate(
              AggregateFunction.AVG,
              Optional.of(coerce(argument, SqlType.FLOAT8, e.position())),
              distinct,
              SqlType.FLOAT8);
        }
        throw noSuchFunction(e, arguments);
      }
      default -> {
        // min, max
        AggregateFunction f = name.equals("min") ? AggregateFunction.MIN : AggregateFunction.MAX;
        switch (base) {
          case INT2,
              INT4,
              INT8,
              NUMERIC,
              FLOAT4,
              FLOAT8,
              TEXT,
              BPCHAR,
              DATE,
              TIMESTAMP,
              TIMESTAMPTZ -> {
            return new Aggregate(f, Optional.of(argument), distinct, t.withoutTypmod());
          }
          case VARCHAR -> {
            // max(text) is what applies to varchar.
            BoundExpression text = new Conversion(argument, SqlType.TEXT);
            return new Aggregate(f, Optional.of(text), distinct, SqlType.TEXT);
          }
          default -> throw noSuchFunction(e, arguments);
        }
      }
    }
  }
}
