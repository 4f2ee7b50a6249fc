package dev.mzflink.runtime.cdc;

import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import dev.mzflink.translate.FlinkTypes;
import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.KeyText;
import dev.mzflink.values.PgText;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;

/**
 * Everything the operators need to know about one table of a source: its Flink row type, key,
 * replica identity, and how to serialize its rows and compute their partitioning key.
 */
final class TableLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  final int index;

  /**
   * The table's identity in state, stable across restarts and job changes: a hash of the upstream
   * table, the view it feeds, and its columns and key. A table whose id is not in a restored state
   * is new to the pipeline (or changed) and is snapshotted again.
   */
  final String id;

  final String schema;
  final String name;

  /** {@code "schema"."name"}, for messages and SQL. */
  final String qualifiedName;

  final boolean lockedSnapshot;
  final boolean replicaIdentityFull;
  final RowType rowType;

  /** How each column's values are carried; converted-from-text kinds are read by mzflink. */
  final PgValueKind[] kinds;

  /** Each array column's element kind (null for other columns). */
  final PgValueKind[] elements;

  final int[] key;
  private transient RowDataSerializer serializer;
  private transient RowData.FieldGetter[] text;

  TableLayout(int index, StreamTable table) {
    this.index = index;
    this.schema = table.schema();
    this.name = table.name();
    this.qualifiedName = table.qualifiedName();
    this.lockedSnapshot = table.lockedSnapshot();
    this.replicaIdentityFull = table.replicaIdentityFull();
    List<FlinkColumn> columns = table.columns();
    LogicalType[] types = new LogicalType[columns.size()];
    String[] names = new String[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      FlinkColumn c = columns.get(i);
      LogicalType type = LogicalTypeParser.parse(c.type(), TableLayout.class.getClassLoader());
      types[i] = type.copy(!c.notNull());
      names[i] = c.name();
    }
    this.rowType = RowType.of(types, names);
    this.kinds = table.values().stream().map(FlinkTypes.Carried::kind).toArray(PgValueKind[]::new);
    this.elements =
        table.values().stream().map(v -> v.element().orElse(null)).toArray(PgValueKind[]::new);
    this.key =
        table.primaryKey().stream().mapToInt(k -> rowType.getFieldNames().indexOf(k)).toArray();
    this.id = stateId(table);
  }

  /** Eight hex digits of SHA-256 over everything that decides how the table's rows are stored. */
  static String stateId(StreamTable table) {
    StringBuilder identity = new StringBuilder();
    identity.append(table.schema()).append('\u0000').append(table.name()).append('\u0000');
    identity.append(table.flinkName().quoted()).append('\u0000');
    for (FlinkColumn c : table.columns()) {
      identity
          .append(c.name())
          .append(' ')
          .append(c.type())
          .append(c.notNull() ? " NOT NULL" : "")
          .append('\u0000');
    }
    identity.append(String.join(",", table.primaryKey()));
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(identity.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  boolean keyed() {
    return key.length > 0;
  }

  int arity() {
    return rowType.getFieldCount();
  }

  private RowDataSerializer serializer() {
    if (serializer == null) {
      serializer = new RowDataSerializer(rowType);
    }
    return serializer;
  }

  byte[] serialize(RowData row) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer().serialize(row, out);
      return out.getCopyOfBuffer();
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize a row of " + qualifiedName, e);
    }
  }

  RowData deserialize(byte[] bytes) {
    try {
      return serializer().deserialize(new DataInputDeserializer(bytes));
    } catch (IOException e) {
      throw new IllegalStateException("cannot deserialize a row of " + qualifiedName, e);
    }
  }

  /** The partitioning key: the table's id and the text of the key columns (all columns if none). */
  String partitionKey(RowData row) {
    if (text == null) {
      text = new RowData.FieldGetter[arity()];
      for (int i = 0; i < arity(); i++) {
        text[i] = PgText.getter(rowType.getTypeAt(i), i);
      }
    }
    return KeyText.append(new StringBuilder().append(id).append(':'), row, text, key).toString();
  }
}
