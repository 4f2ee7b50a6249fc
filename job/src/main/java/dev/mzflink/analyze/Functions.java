package dev.mzflink.analyze;

import static dev.mzflink.analyze.Operators.comparison;
import static dev.mzflink.analyze.TypeRules.coerce;
import static dev.mzflink.analyze.TypeRules.describe;
import static dev.mzflink.analyze.TypeRules.unify;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Call;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.BoundExpression.Conversion;
import dev.mzflink.catalog.BoundExpression.DateField;
import dev.mzflink.catalog.BoundExpression.DateTrunc;
import dev.mzflink.catalog.BoundExpression.ExtractField;
import dev.mzflink.catalog.BoundExpression.Function;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.catalog.SqlType.Exactness;
import dev.mzflink.sql.Expression.Extract;
import dev.mzflink.sql.Expression.FunctionCall;
import dev.mzflink.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Resolves function calls on bound arguments as PostgreSQL does: which functions views may call
 * (none whose value depends on when or where the query runs), the scalar functions with their
 * argument conversions and result types, date_trunc and extract. Aggregates are {@link
 * Aggregates}'.
 */
final class Functions {
  private Functions() {}

  private static final Set<String> NON_DETERMINISTIC =
      Set.of(
          "now",
          "current_date",
          "current_time",
          "current_timestamp",
          "localtime",
          "localtimestamp",
          "clock_timestamp",
          "statement_timestamp",
          "transaction_timestamp",
          "timeofday",
          "random",
          "random_normal",
          "setseed",
          "gen_random_uuid",
          "uuid_generate_v1",
          "uuid_generate_v4",
          "txid_current",
          "pg_backend_pid",
          "current_user",
          "session_user",
          "user",
          "current_role",
          "current_schema",
          "current_catalog",
          "current_database",
          "version",
          "nextval",
          "currval",
          "lastval",
          "inet_client_addr",
          "mz_now");

  /** Written without parentheses in SQL, and named so in errors. */
  private static final Set<String> SQL_VALUE_FUNCTIONS =
      Set.of(
          "current_date",
          "current_time",
          "current_timestamp",
          "localtime",
          "localtimestamp",
          "current_user",
          "session_user",
          "user",
          "current_role",
          "current_catalog");

  private static final String SUPPORTED_FUNCTIONS =
      "Views can use count, sum, avg, min, max, coalesce, nullif, lower, upper, length, substr, substring, "
          + "date_trunc and extract, CASE, CAST and ::, arithmetic, ||, comparisons, AND, OR, NOT, IS [NOT] NULL, "
          + "BETWEEN, IN, LIKE and EXISTS.";

  /**
   * The name of a function views may call, without its pg_catalog qualifier, or the error for one
   * they may not.
   */
  static String supportedName(FunctionCall e) {
    QualifiedName qualified = e.name();
    if (qualified.parts().size() > 2
        || (qualified.parts().size() == 2 && !qualified.parts().get(0).equals("pg_catalog"))) {
      throw UserError.at(
              e.position(), String.format("function %s is not supported", qualified.quoted()))
          .withDetail(SUPPORTED_FUNCTIONS);
    }
    String name = qualified.name();
    if (NON_DETERMINISTIC.contains(name)) {
      String shown =
          SQL_VALUE_FUNCTIONS.contains(name) && e.arguments().isEmpty()
              ? name.toUpperCase(Locale.ROOT)
              : name + "()";
      throw UserError.at(e.position(), String.format("%s is not supported in views", shown))
          .withDetail(
              "Its value depends on when or where the query runs, so an incrementally maintained view cannot equal what "
                  + "PostgreSQL returns for the same SELECT.")
          .withHint(
              "Use a constant instead, e.g. WHERE ordered_at >= TIMESTAMPTZ '2024-01-01 00:00:00+00'.");
    }
    return name;
  }

  /** The error for {@code name(*)}, where name is not count. */
  static UserError starArgument(FunctionCall e, String name) {
    return UserError.at(e.position(), String.format("%s(*) is not a function call", name))
        .withHint("Only count(*) takes *.");
  }

  /** A call of a scalar function on its bound arguments. */
  static BoundExpression scalar(FunctionCall e, String name, List<BoundExpression> arguments) {
    if (e.distinct()) {
      throw UserError.at(
          e.position(),
          String.format("DISTINCT specified, but %s is not an aggregate function", name));
    }
    switch (name) {
      case "coalesce" -> {
        List<BoundExpression> converted = unify(arguments, "COALESCE", e.position());
        SqlType type = converted.get(0).type();
        return new Call(
            Function.COALESCE,
            converted,
            type,
            converted.stream().allMatch(BoundExpression::nullable));
      }
      case "nullif" -> {
        requireArguments(e, arguments, 2, 2);
        return nullif(arguments.get(0), arguments.get(1), e.position());
      }
      case "lower", "upper" -> {
        requireArguments(e, arguments, 1, 1);
        BoundExpression s = textArgument(e, arguments, 0);
        return new Call(
            name.equals("lower") ? Function.LOWER : Function.UPPER,
            List.of(s),
            SqlType.TEXT,
            s.nullable());
      }
      case "length", "char_length", "character_length" -> {
        requireArguments(e, arguments, 1, 1);
        BoundExpression s = textArgument(e, arguments, 0);
        return new Call(Function.LENGTH, List.of(s), SqlType.INT4, s.nullable());
      }
      case "substr", "substring" -> {
        requireArguments(e, arguments, 2, 3);
        List<BoundExpression> converted = new ArrayList<>();
        converted.add(textArgument(e, arguments, 0));
        for (int i = 1; i < arguments.size(); i++) {
          BoundExpression a = arguments.get(i);
          Base base = a.type().base();
          if (base == Base.UNKNOWN || base == Base.INT2 || base == Base.INT4) {
            converted.add(coerce(a, SqlType.INT4, e.position()));
          } else {
            throw noSuchFunction(e, arguments);
          }
        }
        return new Call(
            Function.SUBSTR,
            converted,
            SqlType.TEXT,
            converted.stream().anyMatch(BoundExpression::nullable));
      }
      case "date_trunc" -> {
        requireArguments(e, arguments, 2, 2);
        return dateTrunc(e, arguments);
      }
      default ->
          throw UserError.at(
                  e.position(),
                  String.format("function %s(%s) is not supported", name, argumentTypes(arguments)))
              .withDetail(SUPPORTED_FUNCTIONS);
    }
  }

  private static void requireArguments(
      FunctionCall e, List<BoundExpression> arguments, int min, int max) {
    if (arguments.size() < min || arguments.size() > max) {
      throw noSuchFunction(e, arguments);
    }
  }

  /** The error PostgreSQL gives when no function takes these arguments. */
  static UserError noSuchFunction(FunctionCall e, List<BoundExpression> arguments) {
    return UserError.at(
            e.position(),
            String.format(
                "function %s(%s) does not exist", e.name().name(), argumentTypes(arguments)))
        .withHint(
            "No function matches the given name and argument types. You might need to add explicit type casts.");
  }

  private static String argumentTypes(List<BoundExpression> arguments) {
    return arguments.stream().map(a -> describe(a.type())).collect(Collectors.joining(", "));
  }

  /** A string argument of a text function: character(n) loses its padding, as in PostgreSQL. */
  private static BoundExpression textArgument(
      FunctionCall e, List<BoundExpression> arguments, int index) {
    BoundExpression a = arguments.get(index);
    Base base = a.type().base();
    if (base == Base.UNKNOWN) {
      return coerce(a, SqlType.TEXT, e.position());
    }
    if (base == Base.TEXT || base == Base.VARCHAR) {
      return a;
    }
    if (base == Base.BPCHAR) {
      return new Conversion(a, SqlType.TEXT);
    }
    throw noSuchFunction(e, arguments);
  }

  private static BoundExpression nullif(BoundExpression a, BoundExpression b, SourcePosition at) {
    Call equal = (Call) comparison(Function.EQUAL, a, b, at, "=");
    SqlType type = equal.arguments().get(0).type();
    BoundExpression value;
    if (a.type().base() == Base.BPCHAR
        && type.base() == Base.TEXT
        && b.type().base() != Base.TEXT
        && b.type().base() != Base.VARCHAR) {
      // bpchar = bpchar keeps the first argument as it is.
      value = a;
      type = a.type();
    } else {
      value = equal.arguments().get(0);
      if (a.type().base() == type.base() && a.type().base() != Base.UNKNOWN) {
        type = value.type();
      }
    }
    return new BoundExpression.Case(
        List.of(new BoundExpression.When(equal, Constant.nullOf(type))),
        Optional.of(value),
        type,
        true);
  }

  private static BoundExpression dateTrunc(FunctionCall e, List<BoundExpression> arguments) {
    BoundExpression unit = arguments.get(0);
    if (!(unit instanceof Constant c)
        || c.value().isEmpty()
        || !(c.type().base() == Base.UNKNOWN || c.type().base() == Base.TEXT)) {
      throw UserError.at(e.position(), "date_trunc needs a constant unit")
          .withHint("Write the unit as a string literal: date_trunc('month', ordered_at).");
    }
    String text = c.value().get().toLowerCase(Locale.ROOT);
    DateField field =
        switch (text) {
          case "second", "seconds" -> DateField.SECOND;
          case "minute", "minutes" -> DateField.MINUTE;
          case "hour", "hours" -> DateField.HOUR;
          case "day", "days" -> DateField.DAY;
          case "week", "weeks" -> DateField.WEEK;
          case "month", "months" -> DateField.MONTH;
          case "quarter", "quarters" -> DateField.QUARTER;
          case "year", "years" -> DateField.YEAR;
          default ->
              throw UserError.at(
                      e.position(),
                      String.format("date_trunc unit \"%s\" is not supported", c.value().get()))
                  .withDetail(
                      "mzflink truncates to second, minute, hour, day, week, month, quarter and year.");
        };
    BoundExpression source = arguments.get(1);
    SqlType t = source.type();
    return switch (t.base()) {
      case TIMESTAMP -> new DateTrunc(field, source, SqlType.timestamp(false, -1, t.precision()));
      case TIMESTAMPTZ -> new DateTrunc(field, source, SqlType.timestamp(true, -1, t.precision()));
      case DATE -> {
        // date_trunc(text, date) resolves to the timestamptz variant, at midnight UTC.
        SqlType tz = SqlType.timestamp(true, -1, 6);
        yield new DateTrunc(field, new Conversion(source, tz), tz);
      }
      case UNKNOWN ->
          throw UserError.at(e.position(), "function date_trunc(unknown, unknown) is not unique")
              .withHint("Cast the literal: date_trunc('month', TIMESTAMP '2024-01-31 10:00:00').");
      default -> throw noSuchFunction(e, arguments);
    };
  }

  private static DateField extractField(String field, SourcePosition at) {
    return switch (field) {
      case "second", "seconds" -> DateField.SECOND;
      case "minute", "minutes" -> DateField.MINUTE;
      case "hour", "hours" -> DateField.HOUR;
      case "day", "days" -> DateField.DAY;
      case "week", "weeks" -> DateField.WEEK;
      case "month", "months" -> DateField.MONTH;
      case "quarter" -> DateField.QUARTER;
      case "year", "years" -> DateField.YEAR;
      case "dow" -> DateField.DOW;
      case "isodow" -> DateField.ISODOW;
      case "doy" -> DateField.DOY;
      default ->
          throw UserError.at(at, String.format("extract field \"%s\" is not supported", field))
              .withDetail(
                  "mzflink extracts year, quarter, month, week, day, hour, minute, second, dow, isodow and doy.");
    };
  }

  /** {@code extract(field FROM source)} on a bound date or timestamp. */
  static BoundExpression extract(Extract e, BoundExpression source) {
    DateField field = extractField(e.field(), e.position());
    Base base = source.type().base();
    if (base == Base.UNKNOWN) {
      throw UserError.at(e.position(), "function extract(unknown, unknown) is not unique")
          .withHint("Cast the literal: extract(year FROM DATE '2024-01-31').");
    }
    if (base != Base.DATE && base != Base.TIMESTAMP && base != Base.TIMESTAMPTZ) {
      throw UserError.at(
          e.position(),
          String.format("function extract(unknown, %s) does not exist", source.type().pgName()));
    }
    if (base == Base.DATE
        && (field == DateField.HOUR || field == DateField.MINUTE || field == DateField.SECOND)) {
      throw UserError.at(
          e.position(), String.format("unit \"%s\" not supported for type date", e.field()));
    }
    SqlType type =
        field == DateField.SECOND
            ? SqlType.numeric(16, 6, Exactness.EXACT)
            : SqlType.numeric(19, 0, Exactness.EXACT);
    return new ExtractField(field, source, type);
  }
}
