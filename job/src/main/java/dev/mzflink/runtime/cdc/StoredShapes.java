package dev.mzflink.runtime.cdc;

import dev.mzflink.source.SourceLayout;
import dev.mzflink.source.TableLayout;
import dev.mzflink.status.SourceStatuses;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;

/**
 * The shape (row type) each table's rows have in the normalizer's state, kept in the state itself,
 * so that a pipeline resumed after a table's columns changed upstream (added, dropped, renamed,
 * retyped: the table's {@link TableLayout#id} changed, its {@link TableLayout#keyId} did not) can
 * still retract the rows it holds of the earlier shape. The source reads such a table again (a
 * generation later, its RESET first); its stored rows from before are all of the earlier shape, and
 * each is retracted in the table's new shape: a column kept has its value, widened where its type
 * was (integer to a wider integer or numeric, real to double precision, numeric to another numeric,
 * text kinds to text), a column added or of another type is null. So the results table and the
 * views that do not read the changed columns see each old row retracted exactly as they hold it.
 *
 * <p>Refused, with the reason in the status table: a table whose key columns changed (its rows are
 * partitioned by them), and a key-less table with a column retyped otherwise than widened (its
 * results rows are matched by every column).
 */
final class StoredShapes {
  private static final ListStateDescriptor<String> SHAPES =
      new ListStateDescriptor<>("row-shapes", String.class);

  private static final String SEP = "\u0000";

  /**
   * A table's earlier shape: its rows of generations below {@code below} (and not below an earlier
   * shape's) have it.
   */
  private record Old(String id, RowType type, long below) {}

  /**
   * How rows of an earlier shape are read into a current one: per current column, the getter and
   * type of the earlier column of its name (null: the column is new).
   */
  private record Reading(
      RowDataSerializer serializer, RowData.FieldGetter[] getters, LogicalType[] types) {
    static Reading of(RowType from, RowType to) {
      RowData.FieldGetter[] getters = new RowData.FieldGetter[to.getFieldCount()];
      LogicalType[] types = new LogicalType[to.getFieldCount()];
      for (int i = 0; i < to.getFieldCount(); i++) {
        int j = from.getFieldNames().indexOf(to.getFieldNames().get(i));
        if (j >= 0) {
          types[i] = from.getTypeAt(j);
          getters[i] = RowData.createFieldGetter(types[i], j);
        }
      }
      return new Reading(new RowDataSerializer(from), getters, types);
    }
  }

  /** Per earlier and current shape, how rows of the one are read into the other. */
  private final Map<String, Reading> readings = new HashMap<>();

  /** How many earlier shapes of a table are kept (a change while the last one is being read). */
  private static final int KEPT = 4;

  private final SourceLayout layout;

  /** Per key id, the table's earlier shapes, oldest first. */
  private final Map<String, List<Old>> old = new HashMap<>();

  private transient ListState<String> state;

  StoredShapes(SourceLayout layout) {
    this.layout = layout;
  }

  /** Reads the shapes of a restored state and finds the tables whose shape changed since. */
  void restore(OperatorStateStore store, boolean restored) throws Exception {
    state = store.getUnionListState(SHAPES);
    Map<String, String[]> saved = new HashMap<>();
    for (String entry : state.get()) {
      String[] f = entry.split(SEP, -1);
      if (f[0].equals("cur")) {
        // cur, keyId, id, name, type
        saved.put(f[3], f);
      } else {
        // old, keyId, id, below, type: one entry per subtask, the lowest below learned wins
        Old o = new Old(f[2], rowType(f[4]), Long.parseLong(f[3]));
        List<Old> shapes = old.computeIfAbsent(f[1], k -> new ArrayList<>());
        shapes.removeIf(e -> e.id.equals(o.id) && e.below > o.below);
        if (shapes.stream().noneMatch(e -> e.id.equals(o.id))) {
          shapes.add(o);
        }
      }
    }
    if (restored && saved.isEmpty()) {
      throw refused(
          null,
          String.format(
              "cannot resume source %s: its saved state was taken by an mzflink from before"
                  + " 2026-12-05, which kept the tables' rows under other keys. Start the pipeline"
                  + " from scratch (without --from-savepoint)",
              layout.source));
    }
    for (TableLayout t : layout.tables) {
      String[] s = saved.get(t.name());
      if (s == null) {
        continue; // new to the pipeline
      }
      if (!s[1].equals(t.keyId)) {
        throw refused(
            t,
            String.format(
                "cannot resume source %s: the primary key of table %s changed since the saved"
                    + " state was taken, and its rows there cannot be matched with the table as it"
                    + " is now. Start the pipeline from scratch (without --from-savepoint)",
                layout.source, t.qualifiedName));
      }
      if (s[2].equals(t.id)) {
        continue;
      }
      RowType before = rowType(s[4]);
      if (!t.keyed()) {
        for (int i = 0; i < t.arity(); i++) {
          String column = t.rowType.getFieldNames().get(i);
          int j = before.getFieldNames().indexOf(column);
          if (j >= 0 && !convertible(before.getTypeAt(j), t.rowType.getTypeAt(i))) {
            throw refused(
                t,
                String.format(
                    "cannot resume source %s: column \"%s\" of table %s changed type from %s to"
                        + " %s. The table has no primary key, so its rows in the results are"
                        + " matched by every column, and a value of the old type cannot be"
                        + " matched with one of the new. Start the pipeline from scratch (without"
                        + " --from-savepoint)",
                    layout.source,
                    column,
                    t.qualifiedName,
                    before.getTypeAt(j).copy(true).asSummaryString(),
                    t.rowType.getTypeAt(i).copy(true).asSummaryString()));
          }
        }
      }
      List<Old> shapes = old.computeIfAbsent(t.keyId, k -> new ArrayList<>());
      shapes.add(new Old(s[2], before, Long.MAX_VALUE));
      if (shapes.size() > KEPT) {
        shapes.remove(0);
      }
    }
    old.keySet().removeIf(k -> layout.tableWithKeyId(k) == null);
    old.values().forEach(shapes -> shapes.sort((a, b) -> Long.compare(a.below, b.below)));
  }

  private SuppressRestartsException refused(TableLayout table, String message) {
    List<String> tables = new ArrayList<>();
    if (table == null) {
      layout.tables.forEach(t -> tables.add(t.qualifiedName));
    } else {
      tables.add(table.qualifiedName);
    }
    SourceStatuses.mark(
        layout.resultsUrl, layout.source, tables, SourceStatuses.Status.ERRORED, message);
    return new SuppressRestartsException(new IllegalStateException(message));
  }

  void snapshot() throws Exception {
    List<String> entries = new ArrayList<>();
    for (TableLayout t : layout.tables) {
      entries.add(
          String.join(
              SEP, "cur", t.keyId, t.id, t.name(), t.rowType.copy(true).asSerializableString()));
    }
    old.forEach(
        (keyId, shapes) ->
            shapes.forEach(
                o ->
                    entries.add(
                        String.join(
                            SEP,
                            "old",
                            keyId,
                            o.id,
                            Long.toString(o.below),
                            o.type.copy(true).asSerializableString()))));
    state.update(entries);
  }

  /**
   * A record of generation {@code gen} of {@code table} arrived: every record after a resume is of
   * the table's new read, so the rows stored before it are of an earlier generation.
   */
  void seen(TableLayout table, long gen) {
    List<Old> shapes = old.get(table.keyId);
    if (shapes != null) {
      Old last = shapes.get(shapes.size() - 1);
      if (gen < last.below) {
        shapes.set(shapes.size() - 1, new Old(last.id, last.type, gen));
      }
    }
  }

  /** {@code stored}'s row in {@code table}'s current shape. */
  byte[] row(TableLayout table, StoredRow stored) {
    List<Old> shapes = old.get(table.keyId);
    Old o = null;
    for (int i = shapes == null ? -1 : shapes.size() - 1; i >= 0; i--) {
      if (stored.gen < shapes.get(i).below) {
        o = shapes.get(i);
      }
    }
    if (o == null) {
      return stored.row;
    }
    RowType from = o.type;
    Reading reading =
        readings.computeIfAbsent(o.id + "/" + table.id, k -> Reading.of(from, table.rowType));
    RowData before;
    try {
      before = reading.serializer().deserialize(new DataInputDeserializer(stored.row));
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read a stored row of " + table.qualifiedName + " in its earlier shape", e);
    }
    GenericRowData now = new GenericRowData(table.arity());
    for (int i = 0; i < table.arity(); i++) {
      if (reading.getters()[i] != null) {
        Object value = reading.getters()[i].getFieldOrNull(before);
        now.setField(i, convert(value, reading.types()[i], table.rowType.getTypeAt(i)));
      }
    }
    return table.serialize(now);
  }

  /**
   * Whether a value of type {@code from} has a value of type {@code to} (see the class comment).
   */
  static boolean convertible(LogicalType from, LogicalType to) {
    if (from.copy(true).equals(to.copy(true))) {
      return true;
    }
    LogicalTypeRoot a = from.getTypeRoot();
    LogicalTypeRoot b = to.getTypeRoot();
    return (integerRank(a) > 0 && integerRank(b) >= integerRank(a))
        || (integerRank(a) > 0 && b == LogicalTypeRoot.DECIMAL)
        || (a == LogicalTypeRoot.FLOAT && b == LogicalTypeRoot.DOUBLE)
        || (a == LogicalTypeRoot.DECIMAL && b == LogicalTypeRoot.DECIMAL)
        || (text(a) && text(b));
  }

  /** {@code value} of type {@code from} as a value of type {@code to}; null when it has none. */
  static Object convert(Object value, LogicalType from, LogicalType to) {
    if (value == null || !convertible(from, to)) {
      return null;
    }
    LogicalTypeRoot b = to.getTypeRoot();
    if (integerRank(b) > 0) {
      long v = ((Number) value).longValue();
      return switch (b) {
        case TINYINT -> (byte) v;
        case SMALLINT -> (short) v;
        case INTEGER -> (int) v;
        default -> v;
      };
    }
    if (b == LogicalTypeRoot.DOUBLE && value instanceof Float f) {
      return f.doubleValue();
    }
    if (b == LogicalTypeRoot.DECIMAL) {
      DecimalType d = (DecimalType) to;
      java.math.BigDecimal v =
          value instanceof DecimalData dd
              ? dd.toBigDecimal()
              : java.math.BigDecimal.valueOf(((Number) value).longValue());
      return DecimalData.fromBigDecimal(v, d.getPrecision(), d.getScale());
    }
    return value;
  }

  private static int integerRank(LogicalTypeRoot root) {
    return switch (root) {
      case TINYINT -> 1;
      case SMALLINT -> 2;
      case INTEGER -> 3;
      case BIGINT -> 4;
      default -> 0;
    };
  }

  private static boolean text(LogicalTypeRoot root) {
    return root == LogicalTypeRoot.CHAR || root == LogicalTypeRoot.VARCHAR;
  }

  private static RowType rowType(String text) {
    return (RowType) LogicalTypeParser.parse(text, StoredShapes.class.getClassLoader());
  }
}
