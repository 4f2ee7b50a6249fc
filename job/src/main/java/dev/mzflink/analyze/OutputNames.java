package dev.mzflink.analyze;

import dev.mzflink.sql.Expression;
import dev.mzflink.sql.Expression.Cast;
import dev.mzflink.sql.Expression.Column;
import dev.mzflink.sql.Expression.Exists;
import dev.mzflink.sql.Expression.Extract;
import dev.mzflink.sql.Expression.FunctionCall;
import dev.mzflink.sql.Expression.TypedLiteral;
import dev.mzflink.sql.TypeName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names of a query's output columns: those PostgreSQL gives (its FigureColname), and the names
 * the columns have in Flink.
 */
final class OutputNames {
  private OutputNames() {}

  /**
   * The names of the columns in Flink: PostgreSQL's, with a suffix where two would be equal
   * ignoring case (Flink resolves names case-insensitively in some places).
   */
  static List<String> flinkNames(List<String> names) {
    List<String> flinkNames = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      String flinkName = name;
      for (int n = 2; !seen.add(flinkName.toLowerCase(Locale.ROOT)); n++) {
        flinkName = name + "_" + n;
      }
      flinkNames.add(flinkName);
    }
    return flinkNames;
  }

  private record Name(String name, int strength) {}

  /** The name PostgreSQL gives an output column computed by {@code e}. */
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
