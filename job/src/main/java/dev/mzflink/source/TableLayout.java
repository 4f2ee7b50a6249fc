package dev.mzflink.source;

import dev.mzflink.source.pgoutput.TupleData;
import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.KeyText;
import dev.mzflink.values.PgRowDecoder;
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
 * Everything the source and the operators after it need to know about one table of a source: its
 * upstream identity and column types, its Flink row type, key and replica identity, and how to
 * decode, serialize and partition its rows.
 */
public final class TableLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int index;

  /**
   * The table's identity in state, stable across restarts and job changes: a hash of the upstream
   * table, the view it feeds, and its columns and key. A table whose id is not in a restored state
   * is new to the pipeline (or changed) and is snapshotted again.
   */
  public final String id;

  /**
   * The prefix of the table's keys in the normalizer's state and partitioning: a hash of the
   * upstream table, the view it feeds and its key's column names. Unlike {@link #id} it stays when
   * other columns come, go or change type, so a key's row before such a change and after it meet in
   * the same place and in order (see {@code NormalizerOperator}).
   */
  public final String keyId;

  /** The Flink table (the view of the source) it is registered as. */
  public final String view;

  /** The table's oid upstream, as the plan read it. */
  public final long oid;

  public final String schema;
  public final String name;

  /** {@code "schema"."name"}, for messages and SQL. */
  public final String qualifiedName;

  public final boolean replicaIdentityFull;

  /** The columns the pipeline reads (all, or the key and those some view names). */
  public final RowType rowType;

  /**
   * For each column read, its position among the columns upstream publishes (the columns of a
   * pgoutput tuple); null when every column is read.
   */
  public final int[] positions;

  /** The names of the columns upstream publishes, in its order. */
  public final List<String> published;

  /** Each published column's type oid upstream (0 when not known) and type modifier. */
  public final long[] publishedTypeOids;

  public final int[] publishedTypmods;

  /** How each column's values are carried. */
  public final PgValueKind[] kinds;

  /** The primary key's column positions; empty for a key-less table. */
  public final int[] key;

  /** Each array column's element kind (null for other columns). */
  public final PgValueKind[] elements;

  /**
   * The publication's row filter of the table as PostgreSQL prints it, which the snapshot applies
   * as pgoutput does to the stream; null when every row is published.
   */
  public final String rowFilter;

  /**
   * Whether the table is a partitioned table published through its root: the snapshot reads its
   * partitions through it (no page ranges), the stream sends their changes under its name.
   */
  public final boolean partitioned;

  // Per thread: a reader's snapshot and stream workers decode and serialize rows of the same table
  // at once, and a serializer reuses its row buffer.
  private transient volatile ThreadLocal<PgRowDecoder> decoders;
  private transient volatile ThreadLocal<RowDataSerializer> serializers;
  private transient RowData.FieldGetter[] text;

  public TableLayout(int index, StreamTable table) {
    this.index = index;
    this.schema = table.schema();
    this.name = table.name();
    this.qualifiedName = table.qualifiedName();
    this.view = table.flinkName().quoted();
    this.oid = table.oid();
    this.replicaIdentityFull = table.replicaIdentityFull();
    List<FlinkColumn> columns = table.columns();
    List<Integer> read = table.read();
    LogicalType[] types = new LogicalType[read.size()];
    String[] names = new String[read.size()];
    for (int i = 0; i < read.size(); i++) {
      FlinkColumn c = columns.get(read.get(i));
      LogicalType type = LogicalTypeParser.parse(c.type(), TableLayout.class.getClassLoader());
      types[i] = type.copy(!c.notNull());
      names[i] = c.name();
    }
    this.rowType = RowType.of(types, names);
    this.positions = table.pruned() ? read.stream().mapToInt(Integer::intValue).toArray() : null;
    this.published = List.copyOf(columns.stream().map(FlinkColumn::name).toList());
    this.publishedTypeOids = table.typeOids().stream().mapToLong(Long::longValue).toArray();
    this.publishedTypmods = table.typmods().stream().mapToInt(Integer::intValue).toArray();
    this.kinds = read.stream().map(i -> table.values().get(i).kind()).toArray(PgValueKind[]::new);
    this.elements =
        read.stream()
            .map(i -> table.values().get(i).element().orElse(null))
            .toArray(PgValueKind[]::new);
    this.key =
        table.primaryKey().stream().mapToInt(k -> rowType.getFieldNames().indexOf(k)).toArray();
    this.id = stateId(table);
    this.keyId = keyId(table);
    this.rowFilter = table.rowFilter().orElse(null);
    this.partitioned = table.partitioned();
  }

  /** Eight hex digits of SHA-256 over the table's identity and its key's column names. */
  static String keyId(StreamTable table) {
    return hash(
        table.schema()
            + '\u0000'
            + table.name()
            + '\u0000'
            + table.flinkName().quoted()
            + '\u0000'
            + String.join(",", table.primaryKey()));
  }

  /** Eight hex digits of SHA-256 over everything that decides how the table's rows are stored. */
  public static String stateId(StreamTable table) {
    StringBuilder identity = new StringBuilder();
    identity.append(table.schema()).append('\u0000').append(table.name()).append('\u0000');
    identity.append(table.flinkName().quoted()).append('\u0000');
    // A table read in part is identified by the columns read: an upstream column no view reads
    // can come or go without the table being read again.
    List<FlinkColumn> columns =
        table.pruned() ? table.read().stream().map(table.columns()::get).toList() : table.columns();
    for (FlinkColumn c : columns) {
      identity
          .append(c.name())
          .append(' ')
          .append(c.type())
          .append(c.notNull() ? " NOT NULL" : "")
          .append('\u0000');
    }
    identity.append(String.join(",", table.primaryKey()));
    return hash(identity.toString());
  }

  private static String hash(String identity) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** Turns PostgreSQL's text of a row into a Flink row. */
  public PgRowDecoder decoder() {
    PgRowDecoder decoder = decoders().get();
    if (decoder == null) {
      List<PgRowDecoder.Column> columns = new java.util.ArrayList<>();
      for (int i = 0; i < arity(); i++) {
        columns.add(
            new PgRowDecoder.Column(
                rowType.getFieldNames().get(i),
                kinds[i],
                java.util.Optional.ofNullable(elements[i]),
                rowType.getTypeAt(i)));
      }
      decoder = PgRowDecoder.of(qualifiedName, columns);
      decoders().set(decoder);
    }
    return decoder;
  }

  /** The upstream table and the view it feeds, for messages and to recognise it in state. */
  public String name() {
    return qualifiedName + " as " + view;
  }

  /** The columns of a pgoutput tuple of the table that the pipeline reads, in its order. */
  public TupleData read(TupleData tuple) {
    return positions == null ? tuple : tuple.project(positions);
  }

  public boolean keyed() {
    return key.length > 0;
  }

  public int arity() {
    return rowType.getFieldCount();
  }

  private ThreadLocal<PgRowDecoder> decoders() {
    ThreadLocal<PgRowDecoder> mine = decoders;
    if (mine == null) {
      synchronized (this) {
        if (decoders == null) {
          decoders = new ThreadLocal<>();
        }
        mine = decoders;
      }
    }
    return mine;
  }

  private RowDataSerializer serializer() {
    ThreadLocal<RowDataSerializer> mine = serializers;
    if (mine == null) {
      synchronized (this) {
        if (serializers == null) {
          serializers = ThreadLocal.withInitial(() -> new RowDataSerializer(rowType));
        }
        mine = serializers;
      }
    }
    return mine.get();
  }

  public byte[] serialize(RowData row) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer().serialize(row, out);
      return out.getCopyOfBuffer();
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize a row of " + qualifiedName, e);
    }
  }

  public RowData deserialize(byte[] bytes) {
    try {
      return serializer().deserialize(new DataInputDeserializer(bytes));
    } catch (IOException e) {
      throw new IllegalStateException("cannot deserialize a row of " + qualifiedName, e);
    }
  }

  /**
   * The partitioning key: the table's {@link #keyId} and the text of the key columns (all columns
   * if none).
   */
  public String partitionKey(RowData row) {
    if (text == null) {
      text = new RowData.FieldGetter[arity()];
      for (int i = 0; i < arity(); i++) {
        text[i] = PgText.getter(rowType.getTypeAt(i), i);
      }
    }
    return KeyText.append(new StringBuilder().append(keyId).append(':'), row, text, key).toString();
  }
}
