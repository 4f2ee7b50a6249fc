package dev.mzflink.sink;

import dev.mzflink.sql.Quote;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The enum columns of a results table (and arrays of enums) with the labels their type has in the
 * results database. A row holding a label the type lacks (upstream ran {@code ALTER TYPE ... ADD
 * VALUE} while the job ran) could not be written: the job stops with an error naming the type and
 * the label, without restarting and before any of its rows is committed; the next start of the
 * pipeline adds upstream's labels to the types mzflink created.
 */
final class EnumColumns {
  private record Column(
      int position, boolean array, boolean text, String type, long oid, Set<String> labels) {}

  private final List<Column> columns;

  private EnumColumns(List<Column> columns) {
    this.columns = columns;
  }

  /** The enum columns of {@code table} as the results database has them. */
  static EnumColumns load(Connection c, ResultsTableSpec table) throws SQLException {
    List<Column> columns = new ArrayList<>();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT a.attname, e.oid <> t.oid, n.nspname, e.typname, e.oid FROM pg_attribute a"
                + " JOIN pg_type t ON t.oid = a.atttypid"
                + " JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0"
                + " THEN t.typelem ELSE t.oid END"
                + " JOIN pg_namespace n ON n.oid = e.typnamespace"
                + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped"
                + " AND e.typtype = 'e' ORDER BY a.attnum")) {
      p.setString(1, table.quoted());
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          int position = table.columns.indexOf(r.getString(1));
          boolean array = r.getBoolean(2);
          if (position < 0 || !holdsText(table.types[position], array)) {
            continue;
          }
          columns.add(
              new Column(
                  position,
                  array,
                  table.types[position].is(LogicalTypeFamily.CHARACTER_STRING),
                  Quote.pgQualified(r.getString(3), r.getString(4)),
                  r.getLong(5),
                  new HashSet<>()));
        }
      }
    }
    for (Column column : columns) {
      column.labels().addAll(ResultsEnums.labels(c, column.oid()));
    }
    return new EnumColumns(columns);
  }

  /** Arrays arrive as PostgreSQL's array text (a STRING) or as a Flink ARRAY of strings. */
  private static boolean holdsText(LogicalType type, boolean array) {
    if (array && type.getTypeRoot() == LogicalTypeRoot.ARRAY) {
      return type.getChildren().get(0).is(LogicalTypeFamily.CHARACTER_STRING);
    }
    return type.is(LogicalTypeFamily.CHARACTER_STRING);
  }

  /** Whether the table has enum columns. */
  boolean isEmpty() {
    return columns.isEmpty();
  }

  /**
   * Checks that every enum value of {@code row} is a label its results type has, reading the type's
   * labels again before refusing one (someone may have added it since).
   */
  void check(RowData row, String table, ConnectionSupplier connection) throws SQLException {
    for (Column column : columns) {
      if (row.isNullAt(column.position())) {
        continue;
      }
      if (column.array() && column.text()) {
        for (String element : arrayElements(row.getString(column.position()).toString())) {
          if (element != null) {
            check(column, element, table, connection);
          }
        }
      } else if (column.array()) {
        ArrayData values = row.getArray(column.position());
        for (int i = 0; i < values.size(); i++) {
          if (!values.isNullAt(i)) {
            check(column, values.getString(i).toString(), table, connection);
          }
        }
      } else {
        check(column, row.getString(column.position()).toString(), table, connection);
      }
    }
  }

  private static void check(
      Column column, String label, String table, ConnectionSupplier connection)
      throws SQLException {
    if (column.labels().contains(label)) {
      return;
    }
    column.labels().addAll(ResultsEnums.labels(connection.get(), column.oid()));
    if (column.labels().contains(label)) {
      return;
    }
    throw new SuppressRestartsException(
        new IllegalStateException(
            String.format(
                "enum type %s in the results database lacks label %s, which upstream added while"
                    + " the job ran and a change of results table %s uses. Run the pipeline again"
                    + " (from scratch, or with --from-savepoint and its checkpoint directory):"
                    + " before the job starts, mzflink adds the labels upstream added to the enum"
                    + " types it created",
                column.type(), Quote.pgLiteral(label), table)));
  }

  /**
   * The elements of a one-dimensional array in PostgreSQL's text form ({@code {a,"b c",NULL}},
   * optionally after bounds such as {@code [0:1]=}); a NULL element as null.
   */
  static List<String> arrayElements(String text) {
    List<String> elements = new ArrayList<>();
    int i = text.indexOf('{') + 1;
    if (i == 0 || text.startsWith("{}", i - 1)) {
      return elements;
    }
    while (i < text.length()) {
      StringBuilder element = new StringBuilder();
      boolean quoted = false;
      boolean escaped = false;
      while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      for (; i < text.length(); i++) {
        char ch = text.charAt(i);
        if (ch == '\\') {
          element.append(text.charAt(++i));
          escaped = true;
        } else if (ch == '"') {
          quoted = !quoted;
          escaped = true;
        } else if (!quoted && (ch == ',' || ch == '}')) {
          break;
        } else {
          element.append(ch);
        }
      }
      String value = escaped ? element.toString() : element.toString().strip();
      elements.add(!escaped && value.equalsIgnoreCase("NULL") ? null : value);
      if (i >= text.length() || text.charAt(i) == '}') {
        break;
      }
      i++;
    }
    return elements;
  }

  /** The writer's connection to the results database. */
  interface ConnectionSupplier {
    Connection get() throws SQLException;
  }
}
