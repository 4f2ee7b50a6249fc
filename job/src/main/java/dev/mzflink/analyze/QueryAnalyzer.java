package dev.mzflink.analyze;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundExpression;
import dev.mzflink.catalog.BoundExpression.Aggregate;
import dev.mzflink.catalog.BoundExpression.AggregateFunction;
import dev.mzflink.catalog.BoundExpression.Call;
import dev.mzflink.catalog.BoundExpression.ColumnReference;
import dev.mzflink.catalog.BoundExpression.Constant;
import dev.mzflink.catalog.BoundExpression.Conversion;
import dev.mzflink.catalog.BoundExpression.DateField;
import dev.mzflink.catalog.BoundExpression.DateTrunc;
import dev.mzflink.catalog.BoundExpression.ExtractField;
import dev.mzflink.catalog.BoundExpression.Function;
import dev.mzflink.catalog.BoundQuery;
import dev.mzflink.catalog.BoundQuery.BoundRelation;
import dev.mzflink.catalog.BoundQuery.BoundSelect;
import dev.mzflink.catalog.BoundQuery.BoundUnion;
import dev.mzflink.catalog.BoundQuery.DerivedTable;
import dev.mzflink.catalog.BoundQuery.Join;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.BoundQuery.TableScan;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.catalog.SqlType.Category;
import dev.mzflink.catalog.SqlType.Exactness;
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
import dev.mzflink.sql.QualifiedName;
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
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.TypeName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Analyzes the SELECT of a view against a catalog snapshot, as PostgreSQL's parse analysis does:
 * resolves names (case as the lexer folded it, qualified and unqualified, correlated), chooses
 * operators and functions by PostgreSQL's type rules, makes every implicit conversion explicit,
 * derives output names and types, and checks grouping. Everything mzflink cannot translate exactly
 * is refused here, with the construct and its position. Pure.
 */
public final class QueryAnalyzer {
  /** An analyzed view: its query and the catalog objects it reads. */
  public record AnalyzedView(BoundQuery query, SortedSet<ObjectName> dependencies) {
    public AnalyzedView {
      java.util.Objects.requireNonNull(query, "query is null");
      dependencies = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(dependencies));
    }
  }

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

  private final Catalog catalog;
  private final SortedSet<ObjectName> dependencies = new TreeSet<>();

  /** Where each bound column reference was written, for grouping errors. */
  private final Map<BoundExpression, ColumnOrigin> origins = new IdentityHashMap<>();

  private int nextRelation = 1;

  private record ColumnOrigin(SourcePosition position, String display) {}

  private QueryAnalyzer(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Analyzes the query of a view. */
  public static AnalyzedView analyze(Query query, Catalog catalog) {
    QueryAnalyzer analyzer = new QueryAnalyzer(catalog);
    BoundQuery bound = analyzer.query(query, Optional.empty());
    Set<String> names = new HashSet<>();
    for (OutputColumn column : bound.columns()) {
      if (!names.add(column.name())) {
        throw UserError.at(
                query.position(),
                String.format(
                    "column %s specified more than once", Quote.pgIdentifier(column.name())))
            .withHint("Give the columns different names with AS.");
      }
    }
    return new AnalyzedView(bound, analyzer.dependencies);
  }

  // Scopes: the relations a query level can refer to, innermost first.

  private static final class Scope {
    final Optional<Scope> parent;
    final List<ScopeRelation> relations;

    Scope(Optional<Scope> parent, List<ScopeRelation> relations) {
      this.parent = parent;
      this.relations = relations;
    }
  }

  /** A column as a query level sees it; an unsupported type is an error only when used. */
  private record ScopeColumn(
      String name,
      String flinkName,
      Optional<SqlType> type,
      String typeDescription,
      boolean nullable) {}

  /**
   * A relation of a FROM list: its reference name, the catalog object it is (when it is one and has
   * no alias), its columns, and its unique key (indexes into columns).
   */
  private record ScopeRelation(
      int id,
      String alias,
      Optional<ObjectName> object,
      boolean aliased,
      List<ScopeColumn> columns,
      Optional<List<Integer>> key) {
    ScopeRelation nullableSide() {
      List<ScopeColumn> nullable =
          columns.stream()
              .map(
                  c ->
                      new ScopeColumn(c.name(), c.flinkName(), c.type(), c.typeDescription(), true))
              .toList();
      return new ScopeRelation(id, alias, object, aliased, nullable, key);
    }
  }

  /** Where an expression is, for error messages and what it may contain. */
  private enum Clause {
    SELECT("the select list"),
    WHERE("WHERE"),
    GROUP_BY("GROUP BY"),
    HAVING("HAVING"),
    ON("JOIN conditions");

    final String text;

    Clause(String text) {
      this.text = text;
    }
  }

  /**
   * @param scope what names resolve to
   * @param clause the clause being analyzed
   * @param inAggregate inside an aggregate's argument
   * @param condition a condition of WHERE combined with AND and NOT only: where EXISTS and IN
   *     (SELECT ...) may appear
   */
  private record Context(Scope scope, Clause clause, boolean inAggregate, boolean condition) {
    Context nested() {
      return condition ? new Context(scope, clause, inAggregate, false) : this;
    }

    Context aggregateArgument() {
      return new Context(scope, clause, true, false);
    }

    boolean aggregatesAllowed() {
      return clause == Clause.SELECT || clause == Clause.HAVING;
    }
  }

  // Queries.

  /** A query whose output has types: untyped literals in it become text, as in PostgreSQL. */
  private BoundQuery query(Query query, Optional<Scope> outer) {
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
    checkDistinctAliases(relations, s.position());
    Scope scope = new Scope(outer, relations);
    Set<Integer> levelRelations =
        relations.stream().map(ScopeRelation::id).collect(Collectors.toSet());

    Optional<BoundExpression> where =
        s.where().map(w -> condition(w, new Context(scope, Clause.WHERE, false, true), "WHERE"));

    // The select list, stars expanded.
    List<BoundExpression> items = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<SourcePosition> itemPositions = new ArrayList<>();
    Context selectContext = new Context(scope, Clause.SELECT, false, false);
    for (SelectItem item : s.items()) {
      if (item instanceof AllColumns all) {
        for (ScopeRelation r : starRelations(all, relations)) {
          for (ScopeColumn c : r.columns()) {
            items.add(columnReference(r, c, all.position(), r.alias()));
            names.add(c.name());
            itemPositions.add(all.position());
          }
        }
      } else {
        ExpressionItem e = (ExpressionItem) item;
        items.add(expression(e.expression(), selectContext));
        names.add(e.alias().orElseGet(() -> columnName(e.expression())));
        itemPositions.add(e.position());
      }
    }

    // GROUP BY: positions, input columns, then output names, then expressions.
    List<BoundExpression> groupBy = new ArrayList<>();
    for (Expression g : s.groupBy()) {
      groupBy.add(
          groupItem(g, items, names, s.items(), new Context(scope, Clause.GROUP_BY, false, false)));
    }
    for (int i = 0; i < groupBy.size(); i++) {
      if (groupBy.get(i).type().isRounded()) {
        throw roundedValue(s.groupBy().get(Math.min(i, s.groupBy().size() - 1)).position());
      }
    }
    Optional<BoundExpression> having =
        s.having()
            .map(h -> condition(h, new Context(scope, Clause.HAVING, false, false), "HAVING"));

    boolean aggregated =
        !groupBy.isEmpty()
            || having.isPresent()
            || items.stream().anyMatch(QueryAnalyzer::containsAggregate);
    if (aggregated) {
      for (BoundExpression item : items) {
        checkGrouped(item, groupBy, levelRelations);
      }
      having.ifPresent(h -> checkGrouped(h, groupBy, levelRelations));
    }

    if (s.distinct()) {
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i).type().isRounded()) {
          throw roundedValue(itemPositions.get(i));
        }
      }
    }
    List<OutputColumn> columns = new ArrayList<>();
    Set<String> flinkNames = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String name = names.get(i);
      String flinkName = name;
      for (int n = 2; !flinkNames.add(flinkName.toLowerCase(Locale.ROOT)); n++) {
        // Flink resolves names case-insensitively in some places: keep them unique ignoring case.
        flinkName = name + "_" + n;
      }
      BoundExpression item = items.get(i);
      columns.add(new OutputColumn(name, flinkName, item.type(), item.nullable()));
    }
    Optional<List<Integer>> key =
        uniqueKey(s.distinct(), aggregated, groupBy, from, relations, items);
    return new BoundSelect(
        s.distinct(), from, where, aggregated, groupBy, having, items, columns, key);
  }

  private static void checkDistinctAliases(List<ScopeRelation> relations, SourcePosition at) {
    Set<String> seen = new HashSet<>();
    for (ScopeRelation r : relations) {
      if (!seen.add(r.alias())) {
        throw UserError.at(
                at,
                String.format(
                    "table name %s specified more than once", Quote.pgIdentifier(r.alias())))
            .withHint("Give one of them an alias: FROM t AS a JOIN t AS b ON ...");
      }
    }
  }

  private static List<ScopeRelation> starRelations(AllColumns all, List<ScopeRelation> relations) {
    if (all.qualifier().isEmpty()) {
      if (relations.isEmpty()) {
        throw UserError.at(all.position(), "SELECT * with no tables specified is not valid");
      }
      return relations;
    }
    List<String> q = all.qualifier();
    String name = q.get(q.size() - 1);
    for (ScopeRelation r : relations) {
      if (r.alias().equals(name)
          && (q.size() == 1
              || (!r.aliased()
                  && r.object().isPresent()
                  && r.object().get().schema().equals(q.get(q.size() - 2))))) {
        return List.of(r);
      }
    }
    throw UserError.at(
        all.position(),
        String.format("missing FROM-clause entry for table %s", Quote.pgIdentifier(name)));
  }

  private BoundExpression groupItem(
      Expression g,
      List<BoundExpression> items,
      List<String> names,
      List<SelectItem> selectItems,
      Context context) {
    if (g instanceof NumberLiteral n && n.isInteger()) {
      int position = Integer.parseInt(n.text());
      if (position < 1 || position > items.size()) {
        throw UserError.at(
            n.position(), String.format("GROUP BY position %d is not in select list", position));
      }
      return items.get(position - 1);
    }
    if (g instanceof Column c
        && c.parts().size() == 1
        && !resolvesInScope(c.name(), context.scope())) {
      for (int i = 0; i < names.size(); i++) {
        if (names.get(i).equals(c.name())) {
          return items.get(i);
        }
      }
    }
    return expression(g, context);
  }

  private static boolean resolvesInScope(String name, Scope scope) {
    return scope.relations.stream()
        .anyMatch(r -> r.columns().stream().anyMatch(c -> c.name().equals(name)));
  }

  private static boolean containsAggregate(BoundExpression e) {
    if (e instanceof Aggregate) {
      return true;
    }
    return e.children().stream().anyMatch(QueryAnalyzer::containsAggregate);
  }

  /** PostgreSQL's rule: outside aggregates, a column of this level must be grouped. */
  private void checkGrouped(
      BoundExpression e, List<BoundExpression> groupBy, Set<Integer> levelRelations) {
    if (groupBy.contains(e) || e instanceof Aggregate) {
      return;
    }
    if (e instanceof ColumnReference c && levelRelations.contains(c.relation())) {
      ColumnOrigin origin = origins.get(e);
      String display = origin == null ? c.column() : origin.display();
      UserError error =
          UserError.of(
              String.format(
                  "column %s must appear in the GROUP BY clause or be used in an aggregate function",
                  Quote.pgIdentifier(display)));
      throw origin == null ? error : error.withPosition(origin.position());
    }
    for (BoundExpression child : e.children()) {
      checkGrouped(child, groupBy, levelRelations);
    }
  }

  private static Optional<List<Integer>> uniqueKey(
      boolean distinct,
      boolean aggregated,
      List<BoundExpression> groupBy,
      List<BoundRelation> from,
      List<ScopeRelation> relations,
      List<BoundExpression> items) {
    if (distinct) {
      return Optional.empty();
    }
    List<Integer> key = new ArrayList<>();
    if (aggregated) {
      if (groupBy.isEmpty()) {
        return Optional.empty();
      }
      for (BoundExpression g : groupBy) {
        int index = items.indexOf(g);
        if (index < 0 || g.nullable()) {
          return Optional.empty();
        }
        if (!key.contains(index)) {
          key.add(index);
        }
      }
      return Optional.of(key);
    }
    if (from.size() != 1 || from.get(0) instanceof Join || relations.size() != 1) {
      return Optional.empty();
    }
    ScopeRelation r = relations.get(0);
    if (r.key().isEmpty()) {
      return Optional.empty();
    }
    for (int k : r.key().get()) {
      ScopeColumn c = r.columns().get(k);
      int index = -1;
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i) instanceof ColumnReference ref
            && ref.relation() == r.id()
            && ref.column().equals(c.flinkName())) {
          index = i;
          break;
        }
      }
      if (index < 0) {
        return Optional.empty();
      }
      key.add(index);
    }
    return Optional.of(key);
  }

  // FROM.

  private BoundRelation relation(
      Relation relation, Optional<Scope> outer, List<ScopeRelation> out) {
    if (relation instanceof TableRelation t) {
      return table(t, out);
    }
    if (relation instanceof SubqueryRelation s) {
      BoundQuery query = query(s.query(), outer);
      int id = nextRelation++;
      String alias = s.alias().orElse("unnamed_subquery");
      List<ScopeColumn> columns =
          query.columns().stream()
              .map(
                  c ->
                      new ScopeColumn(
                          c.name(),
                          c.flinkName(),
                          Optional.of(c.type()),
                          c.type().pgName(),
                          c.nullable()))
              .toList();
      out.add(new ScopeRelation(id, alias, Optional.empty(), true, columns, query.uniqueKey()));
      return new DerivedTable(id, alias, query);
    }
    JoinRelation j = (JoinRelation) relation;
    List<ScopeRelation> left = new ArrayList<>();
    List<ScopeRelation> right = new ArrayList<>();
    BoundRelation l = relation(j.left(), outer, left);
    BoundRelation r = relation(j.right(), outer, right);
    List<ScopeRelation> both = new ArrayList<>(left);
    both.addAll(right);
    checkDistinctAliases(both, j.position());
    Optional<BoundExpression> on =
        j.on()
            .map(
                c ->
                    condition(
                        c,
                        new Context(new Scope(outer, both), Clause.ON, false, false),
                        "JOIN/ON"));
    boolean leftNullable = j.type() == JoinType.RIGHT || j.type() == JoinType.FULL;
    boolean rightNullable = j.type() == JoinType.LEFT || j.type() == JoinType.FULL;
    left.forEach(x -> out.add(leftNullable ? x.nullableSide() : x));
    right.forEach(x -> out.add(rightNullable ? x.nullableSide() : x));
    return new Join(j.type(), l, r, on);
  }

  private BoundRelation table(TableRelation t, List<ScopeRelation> out) {
    QualifiedName name = t.name();
    if (name.parts().size() == 3 && !name.parts().get(0).equals("materialize")) {
      throw UserError.at(
              t.position(),
              String.format("database %s does not exist", Quote.pgIdentifier(name.parts().get(0))))
          .withDetail("mzflink has one database, \"materialize\".");
    }
    ObjectName object = new ObjectName(name.schema().orElse(Catalog.DEFAULT_SCHEMA), name.name());
    CatalogEntry entry =
        catalog
            .get(object)
            .orElseThrow(
                () ->
                    UserError.at(
                            t.position(),
                            String.format("relation %s does not exist", name.quoted()))
                        .withHint(
                            "Views select from the views of sources (CREATE VIEWS) and from other views."));
    int id = nextRelation++;
    List<ScopeColumn> columns = new ArrayList<>();
    Optional<List<Integer>> key;
    if (entry instanceof CatalogEntry.TableView view) {
      PgTable table = view.upstream();
      for (PgColumn c : table.columns()) {
        columns.add(
            new ScopeColumn(
                c.name(), c.name(), SqlType.ofColumn(c.type()), c.type().describe(), !c.notNull()));
      }
      List<Integer> k = new ArrayList<>();
      for (String column : table.primaryKey()) {
        for (int i = 0; i < table.columns().size(); i++) {
          if (table.columns().get(i).name().equals(column)) {
            k.add(i);
          }
        }
      }
      key = k.isEmpty() ? Optional.empty() : Optional.of(k);
    } else if (entry instanceof CatalogEntry.View view) {
      for (OutputColumn c : view.query().columns()) {
        columns.add(
            new ScopeColumn(
                c.name(), c.flinkName(), Optional.of(c.type()), c.type().pgName(), c.nullable()));
      }
      key = view.query().uniqueKey();
    } else {
      throw UserError.at(t.position(), String.format("%s is a source, not a view", name.quoted()))
          .withHint(
              "Select from its views: CREATE VIEWS FROM SOURCE creates one per upstream table.");
    }
    dependencies.add(object);
    String alias = t.alias().orElse(object.name());
    out.add(new ScopeRelation(id, alias, Optional.of(object), t.alias().isPresent(), columns, key));
    return new TableScan(id, alias, object);
  }

  // Expressions.

  private BoundExpression condition(Expression e, Context context, String clause) {
    BoundExpression bound = expression(e, context);
    return requireBoolean(bound, clause, e.position());
  }

  private BoundExpression requireBoolean(BoundExpression e, String what, SourcePosition at) {
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

  private BoundExpression expression(Expression e, Context context) {
    return e.accept(new Binder(context));
  }

  private final class Binder implements Expression.Visitor<BoundExpression> {
    private final Context context;

    Binder(Context context) {
      this.context = context;
    }

    private BoundExpression bind(Expression e) {
      return expression(e, context.nested());
    }

    @Override
    public BoundExpression visitColumn(Column e) {
      return resolve(e, context.scope());
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
      SqlType type = resolveType(e.type());
      return Literals.read(e.value(), type, e.position());
    }

    @Override
    public BoundExpression visitCast(Cast e) {
      BoundExpression operand = bind(e.operand());
      SqlType target = resolveType(e.type());
      return cast(operand, target, e.position());
    }

    @Override
    public BoundExpression visitBinary(Binary e) {
      BinaryOperator op = e.operator();
      if (op == BinaryOperator.AND || op == BinaryOperator.OR) {
        Context inner = op == BinaryOperator.AND ? context : context.nested();
        BoundExpression left =
            requireBoolean(expression(e.left(), inner), op.sql(), e.left().position());
        BoundExpression right =
            requireBoolean(expression(e.right(), inner), op.sql(), e.right().position());
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
            requireBoolean(expression(e.operand(), context), "NOT", e.operand().position());
        return new Call(Function.NOT, List.of(operand), SqlType.BOOL, operand.nullable());
      }
      if (e.operator() == UnaryOperator.MINUS && e.operand() instanceof NumberLiteral n) {
        return number(n, true);
      }
      BoundExpression operand = bind(e.operand());
      if (operand.type().base() == Base.UNKNOWN) {
        throw UserError.at(
            e.position(), String.format("operator is not unique: %sunknown", e.operator().sql()));
      }
      if (operand.type().base().category() != Category.NUMERIC) {
        throw UserError.at(
            e.position(),
            String.format(
                "operator does not exist: %s%s", e.operator().sql(), operand.type().pgName()));
      }
      if (e.operator() == UnaryOperator.PLUS) {
        return operand;
      }
      requireExact(operand, e.position());
      return new Call(
          Function.NEGATE, List.of(operand), operand.type().withoutTypmod(), operand.nullable());
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
      return new Call(
          e.negated() ? Function.NOT_IN : Function.IN, converted, SqlType.BOOL, nullable);
    }

    @Override
    public BoundExpression visitInSubquery(InSubquery e) {
      requireConditionPosition(e.position(), "IN (SELECT ...)");
      BoundExpression operand = bind(e.operand());
      BoundQuery query = query(e.query(), Optional.of(context.scope()));
      if (query.columns().size() != 1) {
        throw UserError.at(e.position(), "subquery has too many columns");
      }
      OutputColumn column = query.columns().get(0);
      Constant placeholder = Constant.nullOf(column.type());
      List<BoundExpression> converted =
          comparable(List.of(operand, placeholder), e.position(), "=");
      return new BoundExpression.InSubquery(
          converted.get(0), query, e.negated(), converted.get(0).type());
    }

    @Override
    public BoundExpression visitExists(Exists e) {
      requireConditionPosition(e.position(), "EXISTS");
      return new BoundExpression.Exists(query(e.query(), Optional.of(context.scope())));
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
      BoundExpression operand = bind(e.operand());
      BoundExpression pattern = bind(e.pattern());
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
        throw UserError.at(
            e.pattern().position(), "LIKE pattern must not end with escape character");
      }
      return new Call(
          e.negated() ? Function.NOT_LIKE : Function.LIKE,
          List.of(operand, pattern),
          SqlType.BOOL,
          operand.nullable() || pattern.nullable());
    }

    private boolean endsWithEscape(String pattern) {
      int backslashes = 0;
      for (int i = pattern.length() - 1; i >= 0 && pattern.charAt(i) == '\\'; i--) {
        backslashes++;
      }
      return backslashes % 2 == 1;
    }

    private boolean isTextLike(BoundExpression e) {
      return e.type().base().isString() || e.type().base() == Base.UNKNOWN;
    }

    private BoundExpression likeOperand(BoundExpression e, SourcePosition at) {
      // LIKE on character(n) sees the padding, as in PostgreSQL.
      return e.type().base() == Base.UNKNOWN ? coerce(e, SqlType.TEXT, at) : e;
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
      return function(e, context);
    }

    @Override
    public BoundExpression visitExtract(Extract e) {
      BoundExpression source = bind(e.source());
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

  private BoundExpression number(NumberLiteral n, boolean negative) {
    if (n.isInteger()) {
      return Literals.number(n.text(), negative, n.position());
    }
    return Literals.decimal(n.text(), negative, n.position());
  }

  private static Function comparisonFunction(BinaryOperator op) {
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

  // Name resolution.

  private BoundExpression resolve(Column c, Scope scope) {
    List<String> parts = c.parts();
    if (parts.size() > 4 || (parts.size() == 4 && !parts.get(0).equals("materialize"))) {
      throw UserError.at(
          c.position(), String.format("improper qualified name: %s", String.join(".", parts)));
    }
    String name = c.name();
    List<String> qualifier = c.qualifier();
    if (qualifier.size() == 3) {
      qualifier = qualifier.subList(1, 3);
    }
    for (Optional<Scope> level = Optional.of(scope);
        level.isPresent();
        level = level.get().parent) {
      List<ScopeRelation> matches = new ArrayList<>();
      for (ScopeRelation r : level.get().relations) {
        if (qualifier.isEmpty()) {
          if (r.columns().stream().anyMatch(col -> col.name().equals(name))) {
            matches.add(r);
          }
        } else if (matchesQualifier(r, qualifier)) {
          matches.add(r);
        }
      }
      if (qualifier.isEmpty() && matches.size() > 1) {
        throw UserError.at(
            c.position(),
            String.format("column reference %s is ambiguous", Quote.pgIdentifier(name)));
      }
      if (matches.size() > 1) {
        // Relations of one level have distinct reference names (checked with the FROM list).
        throw new IllegalStateException("two relations named " + qualifier + " in one scope");
      }
      if (matches.size() == 1) {
        ScopeRelation r = matches.get(0);
        List<ScopeColumn> columns =
            r.columns().stream().filter(col -> col.name().equals(name)).toList();
        if (columns.isEmpty()) {
          throw UserError.at(
              c.position(),
              String.format(
                  "column %s does not exist", Quote.pgIdentifier(r.alias() + "." + name)));
        }
        if (columns.size() > 1) {
          throw UserError.at(
              c.position(),
              String.format("column reference %s is ambiguous", Quote.pgIdentifier(name)));
        }
        return columnReference(r, columns.get(0), c.position(), r.alias());
      }
    }
    if (qualifier.isEmpty()) {
      throw UserError.at(
          c.position(), String.format("column %s does not exist", Quote.pgIdentifier(name)));
    }
    String table = qualifier.get(qualifier.size() - 1);
    for (Optional<Scope> level = Optional.of(scope);
        level.isPresent();
        level = level.get().parent) {
      for (ScopeRelation r : level.get().relations) {
        if (r.aliased() && r.object().isPresent() && r.object().get().name().equals(table)) {
          throw UserError.at(
                  c.position(),
                  String.format(
                      "invalid reference to FROM-clause entry for table %s",
                      Quote.pgIdentifier(table)))
              .withHint(
                  String.format(
                      "Perhaps you meant to reference the table alias %s.",
                      Quote.pgIdentifier(r.alias())));
        }
      }
    }
    throw UserError.at(
        c.position(),
        String.format("missing FROM-clause entry for table %s", Quote.pgIdentifier(table)));
  }

  private static boolean matchesQualifier(ScopeRelation r, List<String> qualifier) {
    String table = qualifier.get(qualifier.size() - 1);
    if (!r.alias().equals(table)) {
      return false;
    }
    if (qualifier.size() == 1) {
      return true;
    }
    return !r.aliased()
        && r.object().isPresent()
        && r.object().get().schema().equals(qualifier.get(0));
  }

  private BoundExpression columnReference(
      ScopeRelation r, ScopeColumn c, SourcePosition at, String alias) {
    if (c.type().isEmpty()) {
      throw UserError.at(
              at,
              String.format(
                  "column %s has type %s, which views do not support",
                  Quote.pgIdentifier(alias + "." + c.name()), c.typeDescription()))
          .withHint("Leave the column out of the view's query.");
    }
    ColumnReference ref = new ColumnReference(r.id(), c.flinkName(), c.type().get(), c.nullable());
    origins.put(ref, new ColumnOrigin(at, alias + "." + c.name()));
    return ref;
  }

  // Types.

  private static SqlType resolveType(TypeName t) {
    List<Integer> m = t.modifiers();
    switch (t.name()) {
      case "int2",
          "int4",
          "int8",
          "float4",
          "float8",
          "bool",
          "text",
          "date",
          "bytea",
          "uuid",
          "json",
          "jsonb" -> {
        if (!m.isEmpty()) {
          throw UserError.at(
              t.position(),
              String.format(
                  "type modifier is not allowed for type %s", Quote.pgIdentifier(t.name())));
        }
        return switch (t.name()) {
          case "int2" -> SqlType.INT2;
          case "int4" -> SqlType.INT4;
          case "int8" -> SqlType.INT8;
          case "float4" -> SqlType.FLOAT4;
          case "float8" -> SqlType.FLOAT8;
          case "bool" -> SqlType.BOOL;
          case "text" -> SqlType.TEXT;
          case "date" -> SqlType.DATE;
          case "bytea" -> new SqlType(Base.BYTEA, -1, 0, 0, Exactness.EXACT);
          case "uuid" -> new SqlType(Base.UUID, -1, -1, 0, Exactness.EXACT);
          case "json" -> new SqlType(Base.JSON, -1, -1, 0, Exactness.EXACT);
          default -> new SqlType(Base.JSONB, -1, -1, 0, Exactness.EXACT);
        };
      }
      case "numeric" -> {
        if (m.isEmpty()) {
          // Unconstrained: the shape follows the operand (see cast).
          return SqlType.numeric(0, 0, Exactness.EXACT);
        }
        int p = m.get(0);
        int s = m.size() > 1 ? m.get(1) : 0;
        if (m.size() > 2 || p < 1 || p > 1000) {
          throw UserError.at(
              t.position(), String.format("NUMERIC precision %d must be between 1 and 1000", p));
        }
        if (s < 0 || s > p) {
          throw UserError.at(
                  t.position(),
                  String.format("NUMERIC scale %d must be between 0 and precision %d", s, p))
              .withDetail("mzflink does not support negative scales.");
        }
        if (p > SqlType.MAX_DECIMAL_PRECISION) {
          throw UserError.at(
              t.position(),
              String.format(
                  "numeric(%d,%d) is not supported: Flink's DECIMAL holds at most 38 digits",
                  p, s));
        }
        return SqlType.declaredNumeric(p, s);
      }
      case "varchar", "bpchar" -> {
        Base base = t.name().equals("varchar") ? Base.VARCHAR : Base.BPCHAR;
        if (m.size() > 1) {
          throw UserError.at(t.position(), "invalid type modifier");
        }
        if (m.isEmpty()) {
          // char without a length is char(1); varchar without one is unbounded.
          return base == Base.BPCHAR
              ? new SqlType(Base.BPCHAR, 5, 1, 0, Exactness.EXACT)
              : new SqlType(Base.VARCHAR, -1, -1, 0, Exactness.EXACT);
        }
        int n = m.get(0);
        if (n < 1) {
          throw UserError.at(
              t.position(),
              String.format(
                  "length for type %s must be at least 1",
                  base == Base.VARCHAR ? "varchar" : "char"));
        }
        return new SqlType(base, n + 4, n, 0, Exactness.EXACT);
      }
      case "timestamp", "timestamptz" -> {
        if (m.size() > 1) {
          throw UserError.at(t.position(), "invalid type modifier");
        }
        int p = m.isEmpty() ? -1 : m.get(0);
        if (p > 6) {
          throw UserError.at(
                  t.position(),
                  String.format("TIMESTAMP(%d) precision reduced to maximum allowed, 6", p))
              .withHint("Use a precision of at most 6.");
        }
        return SqlType.timestamp(t.name().equals("timestamptz"), p, p < 0 ? 6 : p);
      }
      case "time", "timetz", "interval" ->
          throw UserError.at(
              t.position(), String.format("type %s is not supported in views", t.sql()));
      default ->
          throw UserError.at(
                  t.position(),
                  String.format("type %s is not supported in views", Quote.pgIdentifier(t.name())))
              .withDetail(
                  "Views compute with boolean, smallint, integer, bigint, numeric, real, double precision, text, "
                      + "character varying, character, date, timestamp and timestamp with time zone.");
    }
  }

  /** Whether {@code t} is {@code numeric} without a type modifier as a cast target. */
  private static boolean unconstrainedNumeric(SqlType t) {
    return t.base() == Base.NUMERIC && t.pgTypmod() < 0 && t.precision() == 0;
  }

  /** An explicit cast. */
  private BoundExpression cast(BoundExpression operand, SqlType target, SourcePosition at) {
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
  private static String castRefusal(SqlType from, SqlType to) {
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

  /** The DECIMAL shape a numeric or integer value has in Flink. */
  private static SqlType numericShape(SqlType t) {
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
  private BoundExpression coerce(BoundExpression e, SqlType target, SourcePosition at) {
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
  private static Constant readUnknown(Constant c, Base base, SourcePosition at) {
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
  private List<BoundExpression> unify(
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
  private static SqlType commonType(List<SqlType> types, String context, SourcePosition at) {
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

  // Operators.

  /** Converts operands of a comparison (or IN list, BETWEEN) to a common type. */
  private List<BoundExpression> comparable(
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

  private BoundExpression comparison(
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

  private BoundExpression arithmetic(
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
  public static int divisionScale(int dividendScale, int divisorScale) {
    return Math.max(SqlType.MIN_ROUNDED_SCALE, Math.max(dividendScale, divisorScale));
  }

  private BoundExpression concat(BoundExpression left, BoundExpression right, SourcePosition at) {
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
  private BoundExpression asText(BoundExpression e, SourcePosition at) {
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

  private static void requireExact(BoundExpression e, SourcePosition at) {
    if (e.type().isRounded()) {
      throw roundedValue(at);
    }
  }

  private static UserError roundedValue(SourcePosition at) {
    return UserError.at(at, "the result of avg() or of numeric division cannot be used here")
        .withDetail(
            "mzflink rounds averages and numeric quotients half away from zero to 6 decimals (more when an operand has "
                + "more), where PostgreSQL computes at least 16 significant digits: comparing, grouping or computing "
                + "with the rounded value could give a different answer than PostgreSQL. Such values can be selected, "
                + "passed through views, and used in min(), max(), count(), CASE results and COALESCE.")
        .withHint(
            "Compare sums instead of averages, e.g. sum(x) > 10 * count(x) rather than avg(x) > 10.");
  }

  // Functions.

  private BoundExpression function(FunctionCall e, Context context) {
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
    switch (name) {
      case "count", "sum", "avg", "min", "max" -> {
        return aggregate(e, name, context);
      }
      default -> {
        // scalar functions below
      }
    }
    if (e.star()) {
      throw UserError.at(e.position(), String.format("%s(*) is not a function call", name))
          .withHint("Only count(*) takes *.");
    }
    Context argumentContext = context.nested();
    List<BoundExpression> arguments = new ArrayList<>();
    for (Expression a : e.arguments()) {
      arguments.add(expression(a, argumentContext));
    }
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

  private static UserError noSuchFunction(FunctionCall e, List<BoundExpression> arguments) {
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

  private static String describe(SqlType t) {
    return t.base() == Base.UNKNOWN ? "unknown" : t.pgName();
  }

  /** A string argument of a text function: character(n) loses its padding, as in PostgreSQL. */
  private BoundExpression textArgument(FunctionCall e, List<BoundExpression> arguments, int index) {
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

  private BoundExpression nullif(BoundExpression a, BoundExpression b, SourcePosition at) {
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

  private BoundExpression dateTrunc(FunctionCall e, List<BoundExpression> arguments) {
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

  private BoundExpression aggregate(FunctionCall e, String name, Context context) {
    if (!context.aggregatesAllowed()) {
      throw UserError.at(
          e.position(),
          String.format("aggregate functions are not allowed in %s", context.clause().text));
    }
    if (context.inAggregate()) {
      throw UserError.at(e.position(), "aggregate function calls cannot be nested");
    }
    if (e.star()) {
      if (!name.equals("count")) {
        throw UserError.at(e.position(), String.format("%s(*) is not a function call", name))
            .withHint("Only count(*) takes *.");
      }
      return new Aggregate(AggregateFunction.COUNT_STAR, Optional.empty(), false, SqlType.INT8);
    }
    Context inner = context.aggregateArgument();
    List<BoundExpression> arguments = new ArrayList<>();
    for (Expression a : e.arguments()) {
      arguments.add(expression(a, inner));
    }
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

  // Output names, as PostgreSQL's FigureColname.

  private record Name(String name, int strength) {}

  static String columnName(Expression e) {
    Name n = name(e);
    return n.strength() == 0 ? "?column?" : n.name();
  }

  private static Name name(Expression e) {
    if (e instanceof Column c) {
      return new Name(c.name(), 2);
    }
    if (e instanceof FunctionCall f) {
      return new Name(f.name().name(), 2);
    }
    if (e instanceof Extract) {
      return new Name("extract", 2);
    }
    if (e instanceof Exists) {
      return new Name("exists", 2);
    }
    if (e instanceof Cast c) {
      Name inner = name(c.operand());
      return inner.strength() <= 1 ? new Name(typeColumnName(c.type()), 1) : inner;
    }
    if (e instanceof TypedLiteral t) {
      return new Name(typeColumnName(t.type()), 1);
    }
    if (e instanceof Expression.Case c) {
      if (c.otherwise().isPresent()) {
        Name inner = name(c.otherwise().get());
        if (inner.strength() > 1) {
          return inner;
        }
      }
      return new Name("case", 1);
    }
    return new Name("?column?", 0);
  }

  private static String typeColumnName(TypeName t) {
    return t.name();
  }
}
