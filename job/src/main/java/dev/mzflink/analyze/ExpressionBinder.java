package dev.mzflink.analyze;

import static dev.mzflink.analyze.Operators.arithmetic;
import static dev.mzflink.analyze.Operators.comparable;
import static dev.mzflink.analyze.Operators.comparison;
import static dev.mzflink.analyze.Operators.comparisonFunction;
import static dev.mzflink.analyze.Operators.concat;
import static dev.mzflink.analyze.TypeRules.cast;
import static dev.mzflink.analyze.TypeRules.coerce;
import static dev.mzflink.analyze.TypeRules.requireBoolean;
import static dev.mzflink.analyze.TypeRules.unify;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Call;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.BoundExpression.Function;
import dev.mzflink.catalog.BoundQuery;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.sql.Expression;
import dev.mzflink.sql.Expression.Between;
import dev.mzflink.sql.Expression.Binary;
import dev.mzflink.sql.Expression.BinaryOperator;
import dev.mzflink.sql.Expression.BooleanLiteral;
import dev.mzflink.sql.Expression.Cast;
import dev.mzflink.sql.Expression.Column;
import dev.mzflink.sql.Expression.Exists;
import dev.mzflink.sql.Expression.Extract;
import dev.mzflink.sql.Expression.FunctionCall;
import dev.mzflink.sql.Expression.InList;
import dev.mzflink.sql.Expression.InSubquery;
import dev.mzflink.sql.Expression.Is;
import dev.mzflink.sql.Expression.IsDistinctFrom;
import dev.mzflink.sql.Expression.Like;
import dev.mzflink.sql.Expression.NullLiteral;
import dev.mzflink.sql.Expression.NumberLiteral;
import dev.mzflink.sql.Expression.ScalarSubquery;
import dev.mzflink.sql.Expression.StringLiteral;
import dev.mzflink.sql.Expression.TypedLiteral;
import dev.mzflink.sql.Expression.Unary;
import dev.mzflink.sql.Expression.UnaryOperator;
import dev.mzflink.sql.Expression.When;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds one expression of a query to a {@link BoundExpression}: names through the scope, operators
 * and functions chosen by PostgreSQL's type rules with every implicit conversion made explicit,
 * subqueries through the {@link QueryBinder}. Where an expression is decides what it may contain
 * (aggregates, EXISTS).
 */
final class ExpressionBinder implements Expression.Visitor<BoundExpression> {
  private final QueryBinder queries;
  private final NameResolver names;
  private final ExpressionContext context;

  ExpressionBinder(QueryBinder queries, NameResolver names, ExpressionContext context) {
    this.queries = queries;
    this.names = names;
    this.context = context;
  }

  private BoundExpression bind(Expression e) {
    return queries.expression(e, context.nested());
  }

  @Override
  public BoundExpression visitColumn(Column e) {
    return names.column(e, context.scope());
  }

  @Override
  public BoundExpression visitNumber(NumberLiteral e) {
    return number(e, false);
  }

  @Override
  public BoundExpression visitString(StringLiteral e) {
    return new Constant(Optional.of(e.value()), SqlType.UNKNOWN);
  }

  @Override
  public BoundExpression visitBoolean(BooleanLiteral e) {
    return new Constant(Optional.of(Boolean.toString(e.value())), SqlType.BOOL);
  }

  @Override
  public BoundExpression visitNull(NullLiteral e) {
    return Constant.nullOf(SqlType.UNKNOWN);
  }

  @Override
  public BoundExpression visitTypedLiteral(TypedLiteral e) {
    SqlType type = TypeNames.resolve(e.type());
    return Literals.read(e.value(), type, e.position());
  }

  @Override
  public BoundExpression visitCast(Cast e) {
    BoundExpression operand = bind(e.operand());
    SqlType target = TypeNames.resolve(e.type());
    return cast(operand, target, e.position());
  }

  @Override
  public BoundExpression visitBinary(Binary e) {
    BinaryOperator op = e.operator();
    if (op == BinaryOperator.AND || op == BinaryOperator.OR) {
      ExpressionContext inner = op == BinaryOperator.AND ? context : context.nested();
      BoundExpression left =
          requireBoolean(queries.expression(e.left(), inner), op.sql(), e.left().position());
      BoundExpression right =
          requireBoolean(queries.expression(e.right(), inner), op.sql(), e.right().position());
      return new Call(
          op == BinaryOperator.AND ? Function.AND : Function.OR,
          List.of(left, right),
          SqlType.BOOL,
          left.nullable() || right.nullable());
    }
    BoundExpression left = bind(e.left());
    BoundExpression right = bind(e.right());
    if (op.isComparison()) {
      return comparison(comparisonFunction(op), left, right, e.position(), op.sql());
    }
    if (op == BinaryOperator.CONCAT) {
      return concat(left, right, e.position());
    }
    return arithmetic(op, left, right, e.position());
  }

  @Override
  public BoundExpression visitUnary(Unary e) {
    if (e.operator() == UnaryOperator.NOT) {
      BoundExpression operand =
          requireBoolean(queries.expression(e.operand(), context), "NOT", e.operand().position());
      return new Call(Function.NOT, List.of(operand), SqlType.BOOL, operand.nullable());
    }
    if (e.operator() == UnaryOperator.MINUS && e.operand() instanceof NumberLiteral n) {
      return number(n, true);
    }
    return Operators.sign(e.operator(), bind(e.operand()), e.position());
  }

  @Override
  public BoundExpression visitIs(Is e) {
    BoundExpression operand = bind(e.operand());
    Function f;
    switch (e.kind()) {
      case NULL -> {
        f = e.negated() ? Function.IS_NOT_NULL : Function.IS_NULL;
        if (operand.type().base() == Base.UNKNOWN) {
          operand = coerce(operand, SqlType.TEXT, e.position());
        }
        return new Call(f, List.of(operand), SqlType.BOOL, false);
      }
      case TRUE -> f = e.negated() ? Function.IS_NOT_TRUE : Function.IS_TRUE;
      case FALSE -> f = e.negated() ? Function.IS_NOT_FALSE : Function.IS_FALSE;
      default -> f = e.negated() ? Function.IS_NOT_UNKNOWN : Function.IS_UNKNOWN;
    }
    String what = "IS " + (e.negated() ? "NOT " : "") + e.kind().name();
    return new Call(f, List.of(requireBoolean(operand, what, e.position())), SqlType.BOOL, false);
  }

  @Override
  public BoundExpression visitIsDistinctFrom(IsDistinctFrom e) {
    BoundExpression left = bind(e.left());
    BoundExpression right = bind(e.right());
    Call equal = (Call) comparison(Function.IS_DISTINCT_FROM, left, right, e.position(), "=");
    return new Call(
        e.negated() ? Function.IS_NOT_DISTINCT_FROM : Function.IS_DISTINCT_FROM,
        equal.arguments(),
        SqlType.BOOL,
        false);
  }

  @Override
  public BoundExpression visitBetween(Between e) {
    List<BoundExpression> operands = List.of(bind(e.operand()), bind(e.low()), bind(e.high()));
    List<BoundExpression> converted = comparable(operands, e.position(), ">=");
    boolean nullable = converted.stream().anyMatch(BoundExpression::nullable);
    return new Call(
        e.negated() ? Function.NOT_BETWEEN : Function.BETWEEN, converted, SqlType.BOOL, nullable);
  }

  @Override
  public BoundExpression visitInList(InList e) {
    List<BoundExpression> operands = new ArrayList<>();
    operands.add(bind(e.operand()));
    for (Expression v : e.values()) {
      operands.add(bind(v));
    }
    List<BoundExpression> converted = comparable(operands, e.position(), "=");
    boolean nullable = converted.stream().anyMatch(BoundExpression::nullable);
    return new Call(e.negated() ? Function.NOT_IN : Function.IN, converted, SqlType.BOOL, nullable);
  }

  @Override
  public BoundExpression visitInSubquery(InSubquery e) {
    requireConditionPosition(e.position(), "IN (SELECT ...)");
    BoundExpression operand = bind(e.operand());
    BoundQuery query = queries.query(e.query(), Optional.of(context.scope()));
    if (query.columns().size() != 1) {
      throw UserError.at(e.position(), "subquery has too many columns");
    }
    OutputColumn column = query.columns().get(0);
    Constant placeholder = Constant.nullOf(column.type());
    List<BoundExpression> converted = comparable(List.of(operand, placeholder), e.position(), "=");
    return new BoundExpression.InSubquery(
        converted.get(0), query, e.negated(), converted.get(0).type());
  }

  @Override
  public BoundExpression visitExists(Exists e) {
    requireConditionPosition(e.position(), "EXISTS");
    return new BoundExpression.Exists(queries.query(e.query(), Optional.of(context.scope())));
  }

  private void requireConditionPosition(SourcePosition at, String what) {
    if (!context.condition()) {
      throw UserError.at(at, String.format("%s is not supported here", what))
          .withDetail(
              "mzflink translates EXISTS (...) and IN (SELECT ...) as conditions of WHERE, combined with AND and NOT.");
    }
  }

  @Override
  public BoundExpression visitScalarSubquery(ScalarSubquery e) {
    throw UserError.at(e.position(), "scalar subqueries are not supported")
        .withHint(
            "Join the subquery's relation instead, or aggregate it in a view of its own and join that.");
  }

  @Override
  public BoundExpression visitLike(Like e) {
    return Operators.like(e, bind(e.operand()), bind(e.pattern()));
  }

  @Override
  public BoundExpression visitCase(Expression.Case e) {
    List<BoundExpression.When> whens = new ArrayList<>();
    Optional<BoundExpression> operand = e.operand().map(this::bind);
    List<BoundExpression> results = new ArrayList<>();
    List<BoundExpression> conditions = new ArrayList<>();
    for (When when : e.whens()) {
      BoundExpression condition;
      if (operand.isPresent()) {
        condition =
            comparison(
                Function.EQUAL,
                operand.get(),
                bind(when.condition()),
                when.condition().position(),
                "=");
      } else {
        condition =
            requireBoolean(bind(when.condition()), "CASE/WHEN", when.condition().position());
      }
      conditions.add(condition);
      results.add(bind(when.result()));
    }
    Optional<BoundExpression> otherwise = e.otherwise().map(this::bind);
    List<BoundExpression> inputs = new ArrayList<>(results);
    otherwise.ifPresent(inputs::add);
    List<BoundExpression> unified = unify(inputs, "CASE", e.position());
    SqlType type = unified.get(0).type();
    for (int i = 0; i < conditions.size(); i++) {
      whens.add(new BoundExpression.When(conditions.get(i), unified.get(i)));
    }
    Optional<BoundExpression> converted = otherwise.map(o -> unified.get(unified.size() - 1));
    boolean nullable =
        converted.isEmpty()
            || converted.get().nullable()
            || whens.stream().anyMatch(w -> w.result().nullable());
    return new BoundExpression.Case(whens, converted, type, nullable);
  }

  @Override
  public BoundExpression visitFunctionCall(FunctionCall e) {
    String name = Functions.supportedName(e);
    if (Aggregates.isAggregate(name)) {
      return aggregate(e, name);
    }
    if (e.star()) {
      throw Functions.starArgument(e, name);
    }
    ExpressionContext argumentContext = context.nested();
    List<BoundExpression> arguments = new ArrayList<>();
    for (Expression a : e.arguments()) {
      arguments.add(queries.expression(a, argumentContext));
    }
    return Functions.scalar(e, name, arguments);
  }

  private BoundExpression aggregate(FunctionCall e, String name) {
    if (!context.aggregatesAllowed()) {
      throw UserError.at(
          e.position(),
          String.format("aggregate functions are not allowed in %s", context.clause().text));
    }
    if (context.inAggregate()) {
      throw UserError.at(e.position(), "aggregate function calls cannot be nested");
    }
    if (e.star()) {
      return Aggregates.star(e, name);
    }
    ExpressionContext inner = context.aggregateArgument();
    List<BoundExpression> arguments = new ArrayList<>();
    for (Expression a : e.arguments()) {
      arguments.add(queries.expression(a, inner));
    }
    return Aggregates.resolve(e, name, arguments);
  }

  @Override
  public BoundExpression visitExtract(Extract e) {
    return Functions.extract(e, bind(e.source()));
  }

  private BoundExpression number(NumberLiteral n, boolean negative) {
    if (n.isInteger()) {
      return Literals.number(n.text(), negative, n.position());
    }
    return Literals.decimal(n.text(), negative, n.position());
  }
}
