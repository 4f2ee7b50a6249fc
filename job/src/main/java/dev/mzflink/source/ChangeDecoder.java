package dev.mzflink.source;

import dev.mzflink.source.pgoutput.PgOutputMessage;
import dev.mzflink.source.pgoutput.PgOutputMessage.OldTuple;
import dev.mzflink.source.pgoutput.PgOutputMessage.Relation;
import dev.mzflink.source.pgoutput.TupleData;
import dev.mzflink.sql.Quote;
import dev.mzflink.status.SourceStatuses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the changes of one transaction's pgoutput messages into {@link ChangeRecord}s of the
 * source's tables: finds each change's tables by the relation it names (schema and name matched
 * exactly), decodes its tuples, turns an update that changes the key into a delete and an insert,
 * marks unchanged TOASTed values (or fills them from the old row when the WAL has it), drops the
 * changes a table's snapshot already holds, and stops replicating a table whose columns changed
 * upstream (the source's other tables go on).
 */
final class ChangeDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeDecoder.class);

  private final SourceLayout layout;

  /** Per layout table: changes of transactions that committed before this are dropped. */
  private final long[] handOver;

  /** Per layout table: its columns changed upstream, its changes are dropped. */
  private final boolean[] errored;

  /** Per relation oid: the layout tables it feeds, as of its last Relation message. */
  private final Map<Long, int[]> relations = new HashMap<>();

  private long finalLsn;
  private long commitMillis;

  ChangeDecoder(SourceLayout layout, Map<String, Long> handOver) {
    this.layout = layout;
    this.handOver = new long[layout.tables.size()];
    this.errored = new boolean[layout.tables.size()];
    setHandOver(handOver);
  }

  /** Sets the hand-over points of the tables named (by state id) in {@code points}. */
  void setHandOver(Map<String, Long> points) {
    for (TableLayout t : layout.tables) {
      Long lsn = points.get(t.id);
      if (lsn != null) {
        handOver[t.index] = lsn;
      }
    }
  }

  /** Tables to stop replicating from the next transaction on (see {@link #stop}). */
  private final java.util.Queue<Integer> stops = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * Stops table {@code index} from the next transaction on: it was removed from the publication.
   * Called from another thread than the decoding one.
   */
  void stop(int index) {
    stops.add(index);
  }

  /** A transaction begins. */
  void begin(PgOutputMessage.Begin begin) {
    for (Integer index = stops.poll(); index != null; index = stops.poll()) {
      errored[index] = true;
    }
    finalLsn = begin.finalLsn();
    commitMillis = begin.commitTime().toEpochMilli();
  }

  /** Decodes one message of the current transaction into {@code out}. */
  void decode(PgOutputMessage message, Consumer<ChangeRecord> out) {
    if (message instanceof Relation r) {
      relation(r, out);
    } else if (message instanceof PgOutputMessage.Insert i) {
      for (int index : tables(i.relationOid())) {
        TableLayout t = layout.table(index);
        TupleData row = t.read(i.newTuple());
        if (row.hasUnchangedToast()) {
          throw stop(t, unchangedToastInInsert(t, row));
        }
        emit(out, t, ChangeRecord.INSERT, t.decoder().decode(row), 0);
      }
    } else if (message instanceof PgOutputMessage.Update u) {
      for (int index : tables(u.relationOid())) {
        update(layout.table(index), u, out);
      }
    } else if (message instanceof PgOutputMessage.Delete d) {
      for (int index : tables(d.relationOid())) {
        delete(layout.table(index), d.oldTuple(), out);
      }
    } else if (message instanceof PgOutputMessage.Truncate t) {
      for (long oid : t.relationOids()) {
        for (int index : tables(oid)) {
          TableLayout table = layout.table(index);
          ChangeRecord truncate =
              new ChangeRecord(index, ChangeRecord.TRUNCATE, null, finalLsn, handOver[index]);
          truncate.commitMillis = commitMillis;
          out.accept(truncate);
          LOG.info("TRUNCATE of {} at {}", table.qualifiedName, PgReplication.lsn(finalLsn));
        }
      }
    }
    // Origin, Type and logical decoding messages carry nothing mzflink replicates.
  }

  /**
   * The layout tables a change of relation {@code oid} goes to: read, not errored, not handed over.
   */
  private int[] tables(long oid) {
    int[] mapped = relations.get(oid);
    if (mapped == null) {
      throw new IllegalStateException("a change of relation " + oid + " before its description");
    }
    int n = 0;
    for (int index : mapped) {
      if (!errored[index] && finalLsn >= handOver[index]) {
        n++;
      }
    }
    if (n == mapped.length) {
      return mapped;
    }
    int[] live = new int[n];
    n = 0;
    for (int index : mapped) {
      if (!errored[index] && finalLsn >= handOver[index]) {
        live[n++] = index;
      }
    }
    return live;
  }

  private void relation(Relation r, Consumer<ChangeRecord> out) {
    List<Integer> indexes = layout.indexesOf(r.namespace(), r.name());
    relations.put(r.oid(), indexes.stream().mapToInt(Integer::intValue).toArray());
    for (int index : indexes) {
      TableLayout t = layout.table(index);
      String change = schemaChange(t, r);
      // Before its hand-over point the table's changes are in its snapshot, read with the table's
      // shape at that point (a refresh of a table whose change was undone).
      if (change != null && !errored[index] && finalLsn >= handOver[index]) {
        tableErrored(t, change, out);
      }
    }
  }

  /** How the relation's columns differ from the table's, or null when they do not. */
  static String schemaChange(TableLayout t, Relation r) {
    return schemaChange(t, r.oid(), r.columns());
  }

  /**
   * How a table of oid {@code oid} whose published columns are {@code columns} differs from {@code
   * t}, or null when it does not.
   */
  static String schemaChange(TableLayout t, long oid, List<Relation.Column> columns) {
    if (t.oid != 0 && oid != t.oid) {
      return "it was dropped and created again (oid " + oid + ", was " + t.oid + ")";
    }
    List<String> actual = columns.stream().map(Relation.Column::name).toList();
    List<String> expected = t.published;
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
      return change.length() == 0 ? "columns reordered" : change.toString();
    }
    for (int i = 0; i < actual.size(); i++) {
      Relation.Column c = columns.get(i);
      if (t.publishedTypeOids[i] != 0 && c.typeOid() != t.publishedTypeOids[i]) {
        return "column " + quoted(List.of(c.name())) + " changed type";
      }
      if (t.publishedTypeOids[i] != 0 && c.typeModifier() != t.publishedTypmods[i]) {
        return "column "
            + quoted(List.of(c.name()))
            + " changed type (type modifier "
            + t.publishedTypmods[i]
            + ", now "
            + c.typeModifier()
            + ")";
      }
    }
    return null;
  }

  /**
   * The table's schema changed upstream: it is errored in the status table, the normalizer is told,
   * and its later changes are dropped. The other tables of the source keep flowing.
   */
  private void tableErrored(TableLayout t, String change, Consumer<ChangeRecord> out) {
    String message =
        String.format(
            "table %s changed upstream: %s. The table's changes are no longer replicated, and"
                + " its results table and the views over it keep their rows from before the"
                + " change, until the pipeline reads the table again with its new columns: mzflink"
                + " run restarts itself from a savepoint to do so within seconds; any other"
                + " pipeline does it when resumed from a savepoint (--from-savepoint). Once the"
                + " change is undone upstream, mzflink refresh reads the table again",
            t.qualifiedName, change);
    LOG.error("{}", message);
    errored[t.index] = true;
    SourceStatuses.mark(
        layout.resultsUrl,
        layout.source,
        List.of(t.qualifiedName),
        SourceStatuses.Status.ERRORED,
        message);
    ChangeRecord record =
        new ChangeRecord(t.index, ChangeRecord.TABLE_ERRORED, null, finalLsn, handOver[t.index]);
    record.key = t.id;
    record.error = message;
    out.accept(record);
  }

  private void update(TableLayout t, PgOutputMessage.Update u, Consumer<ChangeRecord> out) {
    // The tuples' columns the pipeline reads: a change of other columns is no change.
    TupleData next = t.read(u.newTuple());
    OldTuple old = u.oldTuple().map(o -> read(t, o)).orElse(null);
    if (!t.keyed()) {
      if (old == null || old.kind() != OldTuple.Kind.FULL) {
        throw stop(
            t,
            String.format(
                "table %s has no primary key and an update did not carry its old row: set REPLICA"
                    + " IDENTITY FULL upstream (ALTER TABLE %s REPLICA IDENTITY FULL;)",
                t.qualifiedName, t.qualifiedName));
      }
      GenericRowData before = t.decoder().decode(old.tuple());
      emit(out, t, ChangeRecord.DELETE, before, 0);
      emit(out, t, ChangeRecord.INSERT, t.decoder().decode(next, before), 0);
      return;
    }
    GenericRowData before =
        old != null && old.kind() == OldTuple.Kind.FULL ? t.decoder().decode(old.tuple()) : null;
    if (old != null && keyChanged(t, old.tuple(), next)) {
      if (next.hasUnchangedToast() && before == null) {
        throw stop(
            t,
            String.format(
                "an UPDATE of table %s changed the primary key and left TOASTed column(s) %s"
                    + " unchanged: with REPLICA IDENTITY %s the WAL does not carry their values."
                    + " Run ALTER TABLE %s REPLICA IDENTITY FULL; upstream and start the pipeline"
                    + " again from scratch (without --from-savepoint)",
                t.qualifiedName,
                quoted(unchangedColumns(t, next)),
                t.replicaIdentityFull ? "FULL" : "DEFAULT",
                t.qualifiedName));
      }
      emit(out, t, ChangeRecord.DELETE, t.decoder().decode(old.tuple()), 0);
      emit(
          out,
          t,
          ChangeRecord.INSERT,
          before == null ? t.decoder().decode(next) : t.decoder().decode(next, before),
          0);
      return;
    }
    if (!next.hasUnchangedToast()) {
      emit(out, t, ChangeRecord.UPDATE, t.decoder().decode(next), 0);
    } else if (before != null) {
      emit(out, t, ChangeRecord.UPDATE, t.decoder().decode(next, before), 0);
    } else {
      // The normalizer fills the values the WAL did not carry from the row it holds.
      emit(
          out,
          t,
          ChangeRecord.UPDATE,
          t.decoder().decode(next, new GenericRowData(t.arity())),
          unchangedMask(t, next));
    }
  }

  /**
   * An insert without some of its values: pgoutput turns an UPDATE that brings a row into the
   * publication's row filter into an INSERT, and with REPLICA IDENTITY other than FULL the WAL does
   * not carry the TOASTed values the update left unchanged. Nothing downstream holds the row.
   */
  private static String unchangedToastInInsert(TableLayout t, TupleData row) {
    return String.format(
        "an UPDATE of table %s brought a row into the publication's row filter and left TOASTed"
            + " column(s) %s unchanged: pgoutput sent it as an INSERT without their values (the"
            + " WAL carries them only with REPLICA IDENTITY FULL). Run ALTER TABLE %s REPLICA"
            + " IDENTITY FULL; upstream and start the pipeline again from scratch (without"
            + " --from-savepoint)",
        t.qualifiedName, quoted(unchangedColumns(t, row)), t.qualifiedName);
  }

  private void delete(TableLayout t, OldTuple old, Consumer<ChangeRecord> out) {
    if (!t.keyed() && old.kind() != OldTuple.Kind.FULL) {
      throw stop(
          t,
          String.format(
              "table %s has no primary key and a delete did not carry its old row: set REPLICA"
                  + " IDENTITY FULL upstream (ALTER TABLE %s REPLICA IDENTITY FULL;)",
              t.qualifiedName, t.qualifiedName));
    }
    emit(out, t, ChangeRecord.DELETE, t.decoder().decode(t.read(old.tuple())), 0);
  }

  /** The old tuple's columns the pipeline reads. */
  private static OldTuple read(TableLayout t, OldTuple old) {
    return t.positions == null ? old : new OldTuple(old.kind(), t.read(old.tuple()));
  }

  /** Whether a key column's value differs between the old row (key or full) and the new one. */
  private static boolean keyChanged(TableLayout t, TupleData old, TupleData next) {
    for (int k : t.key) {
      if (old.kind(k) != TupleData.Kind.TEXT) {
        continue; // not part of the replica identity: not sent
      }
      if (next.kind(k) != TupleData.Kind.TEXT
          || !Arrays.equals(
              old.bytes(),
              old.offset(k),
              old.offset(k) + old.length(k),
              next.bytes(),
              next.offset(k),
              next.offset(k) + next.length(k))) {
        return true;
      }
    }
    return false;
  }

  private static long unchangedMask(TableLayout t, TupleData row) {
    long mask = 0;
    for (int i = 0; i < t.arity(); i++) {
      if (row.kind(i) == TupleData.Kind.UNCHANGED_TOAST) {
        if (i >= 64) {
          throw new IllegalStateException(
              "an unchanged TOASTed value in column " + (i + 1) + " of " + t.qualifiedName);
        }
        mask |= 1L << i;
      }
    }
    return mask;
  }

  private static List<String> unchangedColumns(TableLayout t, TupleData row) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < t.arity(); i++) {
      if (row.kind(i) == TupleData.Kind.UNCHANGED_TOAST) {
        names.add(t.rowType.getFieldNames().get(i));
      }
    }
    return names;
  }

  private void emit(
      Consumer<ChangeRecord> out, TableLayout t, byte kind, RowData row, long unchangedToast) {
    ChangeRecord change =
        new ChangeRecord(t.index, kind, t.serialize(row), finalLsn, handOver[t.index]);
    change.key = t.partitionKey(row);
    change.commitMillis = commitMillis;
    change.unchangedToast = unchangedToast;
    out.accept(change);
  }

  /** Records the table as errored in the status table, and stops the job with {@code error}. */
  private SuppressRestartsException stop(TableLayout t, String error) {
    SourceStatuses.mark(
        layout.resultsUrl,
        layout.source,
        List.of(t.qualifiedName),
        SourceStatuses.Status.ERRORED,
        error);
    return new SuppressRestartsException(new IllegalStateException(error));
  }

  private static String quoted(List<String> names) {
    return String.join(", ", names.stream().map(Quote::pgIdentifier).toList());
  }
}
