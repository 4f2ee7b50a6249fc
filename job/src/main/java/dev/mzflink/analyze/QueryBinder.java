package dev.mzflink.analyze;

import static dev.mzflink.analyze.TypeRules.coerce;
import static dev.mzflink.analyze.TypeRules.commonType;
import static dev.mzflink.analyze.TypeRules.readUnknown;
import static dev.mzflink.analyze.TypeRules.requireBoolean;
import static dev.mzflink.analyze.TypeRules.roundedValue;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.analyze.ExpressionContext.Clause;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.BoundQuery;
import dev.mzflink.catalog.BoundQuery.BoundRelation;
import dev.mzflink.catalog.BoundQuery.BoundSelect;
import dev.mzflink.catalog.BoundQuery.BoundUnion;
import dev.mzflink.catalog.BoundQuery.DerivedTable;
import dev.mzflink.catalog.BoundQuery.Join;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.BoundQuery.TableScan;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.sql.Expression;
import dev.mzflink.sql.Expression.Column;
import dev.mzflink.sql.Expression.NumberLiteral;
import dev.mzflink.sql.Query;
import dev.mzflink.sql.Query.AllColumns;
import dev.mzflink.sql.Query.ExpressionItem;
import dev.mzflink.sql.Query.JoinRelation;
import dev.mzflink.sql.Query.JoinType;
import dev.mzflink.sql.Query.Relation;
import dev.mzflink.sql.Query.Select;
import dev.mzflink.sql.Query.SelectItem;
import dev.mzflink.sql.Query.SetOperation;
import dev.mzflink.sql.Query.SubqueryRelation;
import dev.mzflink.sql.Query.TableRelation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Binds queries to {@link BoundQuery}: the FROM list (tables, subqueries, joins), the select list
 * with stars expanded, WHERE, GROUP BY with PostgreSQL's grouping rules, HAVING and UNION, whose
 * columns take their common types. Expressions are bound by {@link ExpressionBinder}.
 */
final class QueryBinder {
  private final NameResolver names;

  QueryBinder(NameResolver names) {
    this.names = names;
  }

  /** A query whose output has types: untyped literals in it become text, as in PostgreSQL. */
  BoundQuery query(Query query, Optional<Scope> outer) {
    BoundQuery q = branch(query, outer);
    List<SqlType> types = new ArrayList<>();
    boolean unknown = false;
    for (OutputColumn c : q.columns()) {
      unknown |= c.type().base() == Base.UNKNOWN;
      types.add(c.type().base() == Base.UNKNOWN ? SqlType.TEXT : c.type());
    }
    return unknown ? withColumnTypes(q, types, query.position()) : q;
  }

  /** A query whose untyped literal columns stay untyped, for a UNION to resolve. */
  private BoundQuery branch(Query query, Optional<Scope> outer) {
    if (query instanceof Select select) {
      return select(select, outer);
    }
    return union((SetOperation) query, outer);
  }

  private BoundQuery union(SetOperation s, Optional<Scope> outer) {
    BoundQuery left = branch(s.left(), outer);
    BoundQuery right = branch(s.right(), outer);
    if (left.columns().size() != right.columns().size()) {
      throw UserError.at(s.position(), "each UNION query must have the same number of columns");
    }
    List<OutputColumn> columns = new ArrayList<>();
    List<SqlType> types = new ArrayList<>();
    for (int i = 0; i < left.columns().size(); i++) {
      SqlType type =
          commonType(
              List.of(left.columns().get(i).type(), right.columns().get(i).type()),
              "UNION",
              s.position());
      if (type.base() == Base.NUMERIC && type.pgTypmod() < 0) {
        // Numeric literals keep their digits: the common shape must hold them.
        left = readUnknownColumn(left, i, s.position());
        right = readUnknownColumn(right, i, s.position());
        type =
            commonType(
                List.of(left.columns().get(i).type(), right.columns().get(i).type()),
                "UNION",
                s.position());
      }
      if (!s.all() && type.isRounded()) {
        throw roundedValue(s.position());
      }
      OutputColumn l = left.columns().get(i);
      OutputColumn r = right.columns().get(i);
      types.add(type);
      columns.add(new OutputColumn(l.name(), l.flinkName(), type, l.nullable() || r.nullable()));
    }
    return new BoundUnion(
        s.all(),
        withColumnTypes(left, types, s.position()),
        withColumnTypes(right, types, s.position()),
        columns);
  }

  /** The query with untyped literals of column {@code i} read as numerics. */
  private BoundQuery readUnknownColumn(BoundQuery query, int i, SourcePosition at) {
    if (query instanceof BoundSelect s && s.items().get(i).type().base() == Base.UNKNOWN) {
      List<BoundExpression> items = new ArrayList<>(s.items());
      items.set(i, readUnknown((Constant) items.get(i), Base.NUMERIC, at));
      List<OutputColumn> columns = new ArrayList<>(s.columns());
      OutputColumn c = columns.get(i);
      columns.set(i, new OutputColumn(c.name(), c.flinkName(), items.get(i).type(), c.nullable()));
      return new BoundSelect(
          s.distinct(),
          s.from(),
          s.where(),
          s.aggregated(),
          s.groupBy(),
          s.having(),
          items,
          columns,
          s.uniqueKey());
    }
    return query;
  }

  /** The query with its output converted to {@code types} (the columns of a UNION). */
  private BoundQuery withColumnTypes(BoundQuery query, List<SqlType> types, SourcePosition at) {
    if (query instanceof BoundUnion u) {
      List<OutputColumn> columns = new ArrayList<>();
      for (int i = 0; i < types.size(); i++) {
        OutputColumn c = u.columns().get(i);
        columns.add(new OutputColumn(c.name(), c.flinkName(), types.get(i), c.nullable()));
      }
      return new BoundUnion(
          u.all(),
          withColumnTypes(u.left(), types, at),
          withColumnTypes(u.right(), types, at),
          columns);
    }
    BoundSelect s = (BoundSelect) query;
    List<BoundExpression> items = new ArrayList<>();
    List<OutputColumn> columns = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      BoundExpression item = coerce(s.items().get(i), types.get(i), at);
      items.add(item);
      OutputColumn c = s.columns().get(i);
      columns.add(new OutputColumn(c.name(), c.flinkName(), types.get(i), c.nullable()));
    }
    return new BoundSelect(
        s.distinct(),
        s.from(),
        s.where(),
        s.aggregated(),
        s.groupBy(),
        s.having(),
        items,
        columns,
        s.uniqueKey());
  }

  private BoundSelect select(Select s, Optional<Scope> outer) {
    // FROM: each relation sees the enclosing queries, not its siblings.
    List<BoundRelation> from = new ArrayList<>();
    List<ScopeRelation> relations = new ArrayList<>();
    for (Relation relation : s.from()) {
      from.add(relation(relation, outer, relations));
    }
    Scope.checkDistinctAliases(relations, s.position());
    Scope scope = new Scope(outer, relations);
    Set<Integer> levelRelations =
        relations.stream().map(ScopeRelation::id).collect(Collectors.toSet());

    Optional<BoundExpression> where =
        s.where()
            .map(
                w ->
                    condition(w, new ExpressionContext(scope, Clause.WHERE, false, true), "WHERE"));

    // The select list, stars expanded.
    List<BoundExpression> items = new ArrayList<>();
    List<String> outputNames = new ArrayList<>();
    List<SourcePosition> itemPositions = new ArrayList<>();
    ExpressionContext selectContext = new ExpressionContext(scope, Clause.SELECT, false, false);
    for (SelectItem item : s.items()) {
      if (item instanceof AllColumns all) {
        for (ScopeRelation r : scope.starRelations(all)) {
          for (ScopeColumn c : r.columns()) {
            items.add(names.reference(r, c, all.position()));
            outputNames.add(c.name());
            itemPositions.add(all.position());
          }
        }
      } else {
        ExpressionItem e = (ExpressionItem) item;
        items.add(expression(e.expression(), selectContext));
        outputNames.add(e.alias().orElseGet(() -> OutputNames.columnName(e.expression())));
        itemPositions.add(e.position());
      }
    }

    // GROUP BY: positions, input columns, then output names, then expressions.
    List<BoundExpression> groupBy = new ArrayList<>();
    for (Expression g : s.groupBy()) {
      groupBy.add(
          groupItem(
              g, items, outputNames, new ExpressionContext(scope, Clause.GROUP_BY, false, false)));
    }
    for (int i = 0; i < groupBy.size(); i++) {
      if (groupBy.get(i).type().isRounded()) {
        throw roundedValue(s.groupBy().get(Math.min(i, s.groupBy().size() - 1)).position());
      }
    }
    Optional<BoundExpression> having =
        s.having()
            .map(
                h ->
                    condition(
                        h, new ExpressionContext(scope, Clause.HAVING, false, false), "HAVING"));

    boolean aggregated =
        !groupBy.isEmpty()
            || having.isPresent()
            || items.stream().anyMatch(Grouping::containsAggregate);
    if (aggregated) {
      for (BoundExpression item : items) {
        Grouping.checkGrouped(item, groupBy, levelRelations, names);
      }
      having.ifPresent(h -> Grouping.checkGrouped(h, groupBy, levelRelations, names));
    }

    if (s.distinct()) {
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i).type().isRounded()) {
          throw roundedValue(itemPositions.get(i));
        }
      }
    }
    List<OutputColumn> columns = new ArrayList<>();
    List<String> flinkNames = OutputNames.flinkNames(outputNames);
    for (int i = 0; i < items.size(); i++) {
      BoundExpression item = items.get(i);
      columns.add(
          new OutputColumn(outputNames.get(i), flinkNames.get(i), item.type(), item.nullable()));
    }
    Optional<List<Integer>> key =
        Grouping.uniqueKey(s.distinct(), aggregated, groupBy, from, relations, items);
    return new BoundSelect(
        s.distinct(), from, where, aggregated, groupBy, having, items, columns, key);
  }

  private BoundExpression groupItem(
      Expression g,
      List<BoundExpression> items,
      List<String> outputNames,
      ExpressionContext context) {
    if (g instanceof NumberLiteral n && n.isInteger()) {
      int position = Integer.parseInt(n.text());
      if (position < 1 || position > items.size()) {
        throw UserError.at(
            n.position(), String.format("GROUP BY position %d is not in select list", position));
      }
      return items.get(position - 1);
    }
    if (g instanceof Column c && c.parts().size() == 1 && !context.scope().declares(c.name())) {
      for (int i = 0; i < outputNames.size(); i++) {
        if (outputNames.get(i).equals(c.name())) {
          return items.get(i);
        }
      }
    }
    return expression(g, context);
  }

  private BoundRelation relation(
      Relation relation, Optional<Scope> outer, List<ScopeRelation> out) {
    if (relation instanceof TableRelation t) {
      ScopeRelation table = names.table(t);
      out.add(table);
      return new TableScan(table.id(), table.alias(), table.object().orElseThrow());
    }
    if (relation instanceof SubqueryRelation s) {
      BoundQuery query = query(s.query(), outer);
      ScopeRelation derived = names.derived(s.alias().orElse("unnamed_subquery"), query);
      out.add(derived);
      return new DerivedTable(derived.id(), derived.alias(), query);
    }
    JoinRelation j = (JoinRelation) relation;
    List<ScopeRelation> left = new ArrayList<>();
    List<ScopeRelation> right = new ArrayList<>();
    BoundRelation l = relation(j.left(), outer, left);
    BoundRelation r = relation(j.right(), outer, right);
    List<ScopeRelation> both = new ArrayList<>(left);
    both.addAll(right);
    Scope.checkDistinctAliases(both, j.position());
    Optional<BoundExpression> on =
        j.on()
            .map(
                c ->
                    condition(
                        c,
                        new ExpressionContext(new Scope(outer, both), Clause.ON, false, false),
                        "JOIN/ON"));
    boolean leftNullable = j.type() == JoinType.RIGHT || j.type() == JoinType.FULL;
    boolean rightNullable = j.type() == JoinType.LEFT || j.type() == JoinType.FULL;
    left.forEach(x -> out.add(leftNullable ? x.nullableSide() : x));
    right.forEach(x -> out.add(rightNullable ? x.nullableSide() : x));
    return new Join(j.type(), l, r, on);
  }

  /** A condition of {@code clause}: a boolean expression. */
  private BoundExpression condition(Expression e, ExpressionContext context, String clause) {
    BoundExpression bound = expression(e, context);
    return requireBoolean(bound, clause, e.position());
  }

  /** Binds an expression in a context. */
  BoundExpression expression(Expression e, ExpressionContext context) {
    return e.accept(new ExpressionBinder(this, names, context));
  }
}
