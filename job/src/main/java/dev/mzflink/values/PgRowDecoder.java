package dev.mzflink.values;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Quote;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkTypes;
import dev.mzflink.translate.PgValueKind;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;

/**
 * Turns rows of PostgreSQL's text of values ({@link TextRow}: a COPY row, a pgoutput tuple) into
 * Flink rows of one table, column {@code i} of the text row into field {@code i}, each value by its
 * column's {@link PgTextDecoder}. Errors name the column and the table. Serializable, to be built
 * where the plan is and used where the rows are read.
 */
public final class PgRowDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * One column: its name (for messages), how its values are carried, and its Flink type.
   *
   * @param element an array's element kind; empty for other kinds
   */
  public record Column(
      String name, PgValueKind kind, Optional<PgValueKind> element, LogicalType type) {
    public Column {
      requireNonNull(name, "name is null");
      requireNonNull(kind, "kind is null");
      requireNonNull(element, "element is null");
      requireNonNull(type, "type is null");
    }

    /** The column {@code name} carried as {@code carried} says, in its Flink SQL type. */
    public static Column of(String name, FlinkTypes.Carried carried) {
      return new Column(
          name,
          carried.kind(),
          carried.element(),
          LogicalTypeParser.parse(carried.flinkType(), PgRowDecoder.class.getClassLoader()));
    }
  }

  private final String table;
  private final String[] names;
  private final PgTextDecoder[] decoders;
  private final RowData.FieldGetter[] getters;

  private PgRowDecoder(String table, List<Column> columns) {
    this.table = table;
    this.names = new String[columns.size()];
    this.decoders = new PgTextDecoder[columns.size()];
    this.getters = new RowData.FieldGetter[columns.size()];
    for (int i = 0; i < decoders.length; i++) {
      Column c = columns.get(i);
      names[i] = c.name();
      decoders[i] = PgTextDecoder.of(c.kind(), c.element(), c.type());
      getters[i] = RowData.createFieldGetter(c.type(), i);
    }
  }

  /**
   * The decoder of rows of {@code table} (its qualified name, for messages) with {@code columns}.
   */
  public static PgRowDecoder of(String table, List<Column> columns) {
    requireNonNull(table, "table is null");
    return new PgRowDecoder(table, List.copyOf(requireNonNull(columns, "columns is null")));
  }

  /** The decoder of rows of a table of the plan, its columns in the plan's order. */
  public static PgRowDecoder of(FlinkPlan.StreamTable table) {
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < table.columns().size(); i++) {
      FlinkPlan.FlinkColumn c = table.columns().get(i);
      FlinkTypes.Carried carried = table.values().get(i);
      LogicalType type =
          LogicalTypeParser.parse(c.type(), PgRowDecoder.class.getClassLoader()).copy(!c.notNull());
      columns.add(new Column(c.name(), carried.kind(), carried.element(), type));
    }
    return new PgRowDecoder(table.qualifiedName(), List.copyOf(columns));
  }

  public int columnCount() {
    return decoders.length;
  }

  public List<Column> columns() {
    List<Column> columns = new ArrayList<>(names.length);
    for (int i = 0; i < names.length; i++) {
      PgTextDecoder d = decoders[i];
      columns.add(new Column(names[i], d.kind(), d.element(), d.type()));
    }
    return List.copyOf(columns);
  }

  /** The Flink row type of the decoded rows. */
  public RowType rowType() {
    LogicalType[] types = new LogicalType[decoders.length];
    for (int i = 0; i < types.length; i++) {
      types[i] = decoders[i].type();
    }
    return RowType.of(types, names.clone());
  }

  /**
   * The Flink row (kind INSERT) of {@code row}.
   *
   * @throws IllegalArgumentException when the row has another number of columns, a value is not
   *     PostgreSQL's text for its column, or the row does not carry a value ({@link
   *     TextRow#UNCHANGED}: use {@link #decode(TextRow, RowData)})
   * @throws FlinkValues.UnrepresentableValueException when a value does not fit its Flink type
   */
  public GenericRowData decode(TextRow row) {
    checkColumnCount(row);
    GenericRowData out = new GenericRowData(decoders.length);
    for (int i = 0; i < decoders.length; i++) {
      out.setField(i, decodeField(row, i));
    }
    return out;
  }

  /**
   * The Flink row of {@code row}, the values it does not carry ({@link TextRow#UNCHANGED}: TOASTed
   * values an update left unchanged) taken from {@code unchangedFrom}, the row's previous image
   * (for example the old tuple of a table with {@code REPLICA IDENTITY FULL}).
   */
  public GenericRowData decode(TextRow row, RowData unchangedFrom) {
    requireNonNull(unchangedFrom, "unchangedFrom is null");
    checkColumnCount(row);
    if (unchangedFrom.getArity() != decoders.length) {
      throw new IllegalArgumentException(
          String.format(
              "a previous row of %d fields for %s, which has %d columns",
              unchangedFrom.getArity(), table, decoders.length));
    }
    GenericRowData out = new GenericRowData(decoders.length);
    for (int i = 0; i < decoders.length; i++) {
      out.setField(
          i,
          row.length(i) == TextRow.UNCHANGED
              ? getters[i].getFieldOrNull(unchangedFrom)
              : decodeField(row, i));
    }
    return out;
  }

  /** The Flink value of column {@code column} of {@code row}; null for NULL. */
  public Object decodeField(TextRow row, int column) {
    int length = row.length(column);
    if (length == TextRow.NULL) {
      return null;
    }
    if (length == TextRow.UNCHANGED) {
      throw new IllegalArgumentException(
          String.format(
              "%s: the row does not carry the value (a TOASTed value the update left unchanged)",
              where(column)));
    }
    try {
      return decoders[column].decode(row.bytes(), row.offset(column), length);
    } catch (FlinkValues.UnrepresentableValueException e) {
      throw new FlinkValues.UnrepresentableValueException(where(column) + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where(column) + ": " + e.getMessage(), e);
    }
  }

  private String where(int column) {
    return String.format("column %s of %s", Quote.pgIdentifier(names[column]), table);
  }

  private void checkColumnCount(TextRow row) {
    if (row.columnCount() != decoders.length) {
      throw new IllegalArgumentException(
          String.format(
              "a row of %d columns for %s, which has %d",
              row.columnCount(), table, decoders.length));
    }
  }
}
