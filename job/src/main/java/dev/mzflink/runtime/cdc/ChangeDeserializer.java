package dev.mzflink.runtime.cdc;

import dev.mzflink.status.SourceStatuses;
import io.debezium.data.Envelope;
import io.debezium.relational.TableId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.connectors.postgres.table.PostgreSQLDeserializationConverterFactory;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.cdc.debezium.table.DebeziumChangelogMode;
import org.apache.flink.cdc.debezium.table.RowDataDebeziumDeserializeSchema;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns the connector's records into {@link ChangeRecord}s: finds the table from the record's
 * source block, converts rows with Flink CDC's converters for the table's row type, marks unchanged
 * TOASTed values, splits updates of key-less tables into a delete and an insert, passes TRUNCATE
 * through, and stops the job when a table's columns changed upstream.
 */
final class ChangeDeserializer implements DebeziumDeserializationSchema<ChangeRecord> {
  /** The commit time upstream of the change being deserialized (0 for snapshot rows). */
  private transient long commitMillis;

  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ChangeDeserializer.class);

  /**
   * Debezium's value for a TOASTed column an UPDATE left unchanged (unavailable.value.placeholder).
   */
  static final String UNAVAILABLE = "__debezium_unavailable_value";

  private static final byte[] UNAVAILABLE_BYTES =
      UNAVAILABLE.getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private final SourceLayout layout;
  private transient RowDataDebeziumDeserializeSchema[] converters;

  /** Per table, the last record schema whose columns matched (Debezium reuses schema objects). */
  private transient Schema[] checkedSchemas;

  /** Per table: its schema changed upstream, its changes are dropped. */
  private transient boolean[] errored;

  private transient Capture capture;

  /** The chunk of the snapshot rows being read, 0 while streaming (set by the record emitter). */
  private transient long chunk;

  ChangeDeserializer(SourceLayout layout) {
    this.layout = layout;
  }

  /** The snapshot chunk (split) the next records belong to; null: the stream. */
  void startChunk(String splitId) {
    chunk = splitId == null ? 0 : chunkId(splitId);
  }

  /** A split id as a 64-bit number (FNV-1a), never 0. */
  static long chunkId(String splitId) {
    long hash = 0xcbf29ce484222325L;
    for (int i = 0; i < splitId.length(); i++) {
      hash ^= splitId.charAt(i);
      hash *= 0x100000001b3L;
    }
    return hash == 0 ? 1 : hash;
  }

  /** Emits CHUNK_DONE for every table the chunk's upstream table feeds. */
  void chunkDone(String splitId, TableId table, java.util.function.Consumer<ChangeRecord> out) {
    for (int index : layout.indexesOf(table.schema(), table.table())) {
      ChangeRecord done = new ChangeRecord(index, ChangeRecord.CHUNK_DONE, null, 0);
      done.chunk = chunkId(splitId);
      out.accept(done);
    }
  }

  private RowDataDebeziumDeserializeSchema converter(int index) {
    if (converters == null) {
      converters = new RowDataDebeziumDeserializeSchema[layout.tables.size()];
      checkedSchemas = new Schema[layout.tables.size()];
      errored = new boolean[layout.tables.size()];
      capture = new Capture();
    }
    if (converters[index] == null) {
      TableLayout t = layout.table(index);
      converters[index] =
          RowDataDebeziumDeserializeSchema.newBuilder()
              .setPhysicalRowType(t.rowType)
              .setResultTypeInfo(InternalTypeInfo.of(t.rowType))
              .setUserDefinedConverterFactory(PostgreSQLDeserializationConverterFactory.instance())
              // Keyed tables: the normalizer holds the old row, so the new row is enough (and
              // REPLICA IDENTITY DEFAULT carries no old row). Key-less tables need the old row.
              .setChangelogMode(
                  t.keyed() ? DebeziumChangelogMode.UPSERT : DebeziumChangelogMode.ALL)
              .setValueValidator((row, kind) -> {})
              .build();
    }
    return converters[index];
  }

  @Override
  public void deserialize(SourceRecord record, Collector<ChangeRecord> out) throws Exception {
    if (!(record.value() instanceof Struct value)
        || value.schema().field(Envelope.FieldName.SOURCE) == null) {
      return;
    }
    Struct source = value.getStruct(Envelope.FieldName.SOURCE);
    List<Integer> indexes = layout.indexesOf(source.getString("schema"), source.getString("table"));
    if (indexes.isEmpty()) {
      return;
    }
    Long lsnValue = source.schema().field("lsn") != null ? source.getInt64("lsn") : null;
    long lsn = lsnValue == null ? 0 : lsnValue;
    Envelope.Operation op = Envelope.operationFor(record);
    Long committed =
        op == Envelope.Operation.READ
            ? null
            : source.schema().field("ts_ms") == null ? null : source.getInt64("ts_ms");
    commitMillis = committed == null ? 0 : committed;
    for (int index : indexes) {
      TableLayout table = layout.table(index);
      RowDataDebeziumDeserializeSchema converter = converter(index);
      if (errored[index]) {
        continue;
      }
      if (op == Envelope.Operation.TRUNCATE) {
        emit(out, table, new ChangeRecord(index, ChangeRecord.TRUNCATE, null, lsn), null);
        continue;
      }
      if (checkedSchemas[index] != value.schema()) {
        String change = schemaChange(table, value.schema());
        if (change != null) {
          tableErrored(out, table, lsn, change);
          continue;
        }
        checkedSchemas[index] = value.schema();
      }
      capture.rows.clear();
      converter.deserialize(record, capture);
      List<RowData> rows = new ArrayList<>(capture.rows);
      switch (op) {
        case READ -> {
          ChangeRecord row =
              new ChangeRecord(index, ChangeRecord.SNAPSHOT, table.serialize(rows.get(0)), lsn);
          row.chunk = chunk;
          emit(out, table, row, rows.get(0));
        }
        case CREATE -> {
          long toast = unchangedToast(table, rows.get(0));
          if (toast != 0) {
            // Debezium turns an UPDATE that changes the key into a delete and a create; with
            // REPLICA IDENTITY DEFAULT the create lacks the TOASTed values the UPDATE left
            // alone, and the old row is held under the old key, by another part of the job.
            throw stop(
                table,
                new IllegalStateException(
                    String.format(
                        "an UPDATE of table %s changed the primary key and left TOASTed column(s) %s unchanged: with REPLICA IDENTITY %s"
                            + " the WAL does not carry their values. Run ALTER TABLE %s REPLICA IDENTITY FULL; upstream and start"
                            + " the pipeline again from scratch (without --from-savepoint)",
                        table.qualifiedName,
                        quoted(columns(table, toast)),
                        table.replicaIdentityFull ? "FULL" : "DEFAULT",
                        table.qualifiedName)));
          }
          emit(
              out,
              table,
              new ChangeRecord(index, ChangeRecord.INSERT, table.serialize(rows.get(0)), lsn),
              rows.get(0));
        }
        case DELETE ->
            emit(
                out,
                table,
                new ChangeRecord(index, ChangeRecord.DELETE, table.serialize(rows.get(0)), lsn),
                rows.get(0));
        case UPDATE -> {
          if (table.keyed()) {
            RowData after = rows.get(rows.size() - 1);
            ChangeRecord update =
                new ChangeRecord(index, ChangeRecord.UPDATE, table.serialize(after), lsn);
            update.unchangedToast = unchangedToast(table, after);
            emit(out, table, update, after);
          } else {
            RowData before = rows.get(0);
            RowData after = rows.get(1);
            if (before == null || before.getRowKind() != RowKind.UPDATE_BEFORE) {
              throw new IllegalStateException(
                  "update of " + table.qualifiedName + " without its old row");
            }
            if (unchangedToast(table, after) != 0) {
              throw stop(
                  table,
                  new IllegalStateException(
                      String.format(
                          "table %s has no primary key and an update did not carry a TOASTed value: set REPLICA IDENTITY FULL upstream",
                          table.qualifiedName)));
            }
            emit(
                out,
                table,
                new ChangeRecord(index, ChangeRecord.DELETE, table.serialize(before), lsn),
                before);
            emit(
                out,
                table,
                new ChangeRecord(index, ChangeRecord.INSERT, table.serialize(after), lsn),
                after);
          }
        }
        default ->
            throw new IllegalStateException(
                "unexpected operation " + op + " on " + table.qualifiedName);
      }
    }
  }

  private void emit(
      Collector<ChangeRecord> out, TableLayout table, ChangeRecord change, RowData row) {
    change.key = row == null ? null : table.partitionKey(row);
    change.commitMillis = commitMillis;
    out.collect(change);
  }

  /** Columns whose new value is Debezium's placeholder for an unchanged TOASTed value. */
  private static long unchangedToast(TableLayout table, RowData row) {
    long mask = 0;
    for (int i = 0; i < table.arity() && i < 64; i++) {
      if (row.isNullAt(i)) {
        continue;
      }
      LogicalType type = table.rowType.getTypeAt(i);
      boolean placeholder =
          switch (type.getTypeRoot()) {
            case CHAR, VARCHAR -> row.getString(i).equals(StringData.fromString(UNAVAILABLE));
            case BINARY, VARBINARY -> Arrays.equals(row.getBinary(i), UNAVAILABLE_BYTES);
            default -> false;
          };
      if (placeholder) {
        mask |= 1L << i;
      }
    }
    return mask;
  }

  private static List<String> columns(TableLayout table, long mask) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < table.arity() && i < 64; i++) {
      if ((mask & (1L << i)) != 0) {
        names.add(table.rowType.getFieldNames().get(i));
      }
    }
    return names;
  }

  /**
   * How the record's columns differ from the table's (a column added, dropped, renamed, or changed
   * type upstream), or null when they do not.
   */
  private static String schemaChange(TableLayout table, Schema valueSchema) {
    Field rowField =
        valueSchema.field(Envelope.FieldName.AFTER) != null
            ? valueSchema.field(Envelope.FieldName.AFTER)
            : valueSchema.field(Envelope.FieldName.BEFORE);
    if (rowField == null) {
      return null;
    }
    List<String> actual = rowField.schema().fields().stream().map(Field::name).toList();
    List<String> expected = table.rowType.getFieldNames();
    if (!actual.equals(expected)) {
      List<String> added = new ArrayList<>(actual);
      added.removeAll(expected);
      List<String> dropped = new ArrayList<>(expected);
      dropped.removeAll(actual);
      StringBuilder change = new StringBuilder();
      if (!added.isEmpty()) {
        change.append("column(s) ").append(quoted(added)).append(" added");
      }
      if (!dropped.isEmpty()) {
        change
            .append(change.length() > 0 ? ", " : "")
            .append("column(s) ")
            .append(quoted(dropped))
            .append(" dropped or renamed");
      }
      if (change.length() == 0) {
        change.append("columns reordered");
      }
      return change.toString();
    }
    for (Field field : rowField.schema().fields()) {
      int i = field.index();
      String mismatch = typeMismatch(table.rowType.getTypeAt(i), field.schema());
      if (mismatch != null) {
        return "column " + quoted(List.of(field.name())) + " changed type (" + mismatch + ")";
      }
    }
    return null;
  }

  /**
   * The table's schema changed upstream: it is errored in the status table, the normalizer is told,
   * and its later changes are dropped. The other tables of the source keep flowing.
   */
  private void tableErrored(
      Collector<ChangeRecord> out, TableLayout table, long lsn, String change) {
    String message =
        String.format(
            "table %s changed upstream: %s. mzflink does not apply schema changes: the table's changes are no longer"
                + " replicated, and its results table and the views over it keep their rows from before the change. Start the"
                + " pipeline again from scratch (without --from-savepoint) to snapshot the table with its new columns",
            table.qualifiedName, change);
    LOG.error("{}", message);
    errored[table.index] = true;
    SourceStatuses.mark(
        layout.resultsUrl,
        layout.source,
        List.of(table.qualifiedName),
        SourceStatuses.Status.ERRORED,
        message);
    ChangeRecord record = new ChangeRecord(table.index, ChangeRecord.TABLE_ERRORED, null, lsn);
    record.key = table.id;
    record.error = message;
    out.collect(record);
  }

  /** Records the table as errored in the status table, and stops the job with {@code error}. */
  private SuppressRestartsException stop(TableLayout table, RuntimeException error) {
    SourceStatuses.mark(
        layout.resultsUrl,
        layout.source,
        List.of(table.qualifiedName),
        SourceStatuses.Status.ERRORED,
        error.getMessage());
    return new SuppressRestartsException(error);
  }

  private static String quoted(List<String> names) {
    return String.join(", ", names.stream().map(dev.mzflink.sql.Quote::pgIdentifier).toList());
  }

  /** A description of how {@code schema} differs from what {@code type} is read from, or null. */
  private static String typeMismatch(LogicalType type, Schema schema) {
    Schema.Type expected =
        switch (type.getTypeRoot()) {
          case BOOLEAN -> Schema.Type.BOOLEAN;
          case SMALLINT -> Schema.Type.INT16;
          case INTEGER -> Schema.Type.INT32;
          case BIGINT -> Schema.Type.INT64;
          case FLOAT -> Schema.Type.FLOAT32;
          case DOUBLE -> Schema.Type.FLOAT64;
          default -> null;
        };
    if (expected != null && schema.type() != expected) {
      return "was " + expected.getName() + ", now " + schema.type().getName();
    }
    if (type.getTypeRoot() == LogicalTypeRoot.DECIMAL && schema.parameters() != null) {
      String scale = schema.parameters().get("scale");
      int expectedScale = ((org.apache.flink.table.types.logical.DecimalType) type).getScale();
      if (scale != null && Integer.parseInt(scale) != expectedScale) {
        return "scale was " + expectedScale + ", now " + scale;
      }
    }
    return null;
  }

  @Override
  public TypeInformation<ChangeRecord> getProducedType() {
    return TypeInformation.of(ChangeRecord.class);
  }

  /** Collects what a Flink CDC converter emits for one record. */
  private static final class Capture implements Collector<RowData> {
    final List<RowData> rows = new ArrayList<>();

    @Override
    public void collect(RowData row) {
      rows.add(row);
    }

    @Override
    public void close() {}
  }
}
