package dev.mzflink.sql;

import dev.mzflink.sql.Statement.CreateSchema;
import dev.mzflink.sql.Statement.CreateSource;
import dev.mzflink.sql.Statement.CreateView;
import dev.mzflink.sql.Statement.CreateViews;
import dev.mzflink.sql.Statement.Drop;
import dev.mzflink.sql.Statement.Show;
import dev.mzflink.sql.Statement.ViewTarget;
import java.util.stream.Collectors;

/**
 * Prints statements back as Materialize SQL, every identifier quoted, so that {@code
 * parse(print(s))} yields {@code s} again (positions aside).
 */
public final class StatementPrinter implements Statement.Visitor<String> {
  private static final StatementPrinter INSTANCE = new StatementPrinter();

  private StatementPrinter() {}

  public static String print(Statement statement) {
    return statement.accept(INSTANCE);
  }

  @Override
  public String visitCreateSource(CreateSource s) {
    return "CREATE "
        + (s.materialized() ? "MATERIALIZED " : "")
        + "SOURCE "
        + (s.ifNotExists() ? "IF NOT EXISTS " : "")
        + s.name().quoted()
        + " FROM POSTGRES HOST "
        + Quote.pgLiteral(s.connectionInfo())
        + " PUBLICATION "
        + Quote.pgLiteral(s.publication());
  }

  @Override
  public String visitCreateViews(CreateViews s) {
    StringBuilder out = new StringBuilder("CREATE VIEWS ");
    if (s.ifNotExists()) {
      out.append("IF NOT EXISTS ");
    }
    out.append("FROM SOURCE ").append(s.source().quoted());
    if (!s.targets().isEmpty()) {
      out.append(" (")
          .append(
              s.targets().stream().map(StatementPrinter::target).collect(Collectors.joining(", ")))
          .append(')');
    }
    return out.toString();
  }

  private static String target(ViewTarget t) {
    return t.upstream().quoted() + t.alias().map(a -> " AS " + a.quoted()).orElse("");
  }

  @Override
  public String visitCreateView(CreateView s) {
    return "CREATE "
        + (s.materialized() ? "MATERIALIZED " : "")
        + "VIEW "
        + (s.ifNotExists() ? "IF NOT EXISTS " : "")
        + s.name().quoted()
        + " AS "
        + QueryPrinter.print(s.query());
  }

  @Override
  public String visitCreateSchema(CreateSchema s) {
    return "CREATE SCHEMA " + (s.ifNotExists() ? "IF NOT EXISTS " : "") + s.name().quoted();
  }

  @Override
  public String visitDrop(Drop s) {
    return "DROP "
        + s.kind().keyword()
        + " "
        + (s.ifExists() ? "IF EXISTS " : "")
        + s.names().stream().map(QualifiedName::quoted).collect(Collectors.joining(", "))
        + (s.cascade() ? " CASCADE" : "");
  }

  @Override
  public String visitShow(Show s) {
    String target = s.target().map(QualifiedName::quoted).orElse("");
    return switch (s.kind()) {
      case SOURCES ->
          "SHOW "
              + (s.full() ? "FULL " : "")
              + "SOURCES"
              + s.target().map(t -> " FROM " + t.quoted()).orElse("");
      case VIEWS ->
          "SHOW "
              + (s.full() ? "FULL " : "")
              + (s.materialized() ? "MATERIALIZED " : "")
              + "VIEWS"
              + s.target().map(t -> " FROM " + t.quoted()).orElse("");
      case CREATE_SOURCE -> "SHOW CREATE SOURCE " + target;
      case CREATE_VIEW -> "SHOW CREATE VIEW " + target;
      case COLUMNS -> "SHOW COLUMNS FROM " + target;
      case SCHEMAS -> "SHOW SCHEMAS";
    };
  }
}
