package dev.mzflink.source.pgoutput;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.PgTable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A message of pgoutput's logical replication protocol, version 1 (PostgreSQL's "Logical
 * Replication Message Formats"), as {@link PgOutputDecoder} reads it from an XLogData payload. LSNs
 * are unsigned 64-bit WAL positions in a long; oids and transaction ids are unsigned 32-bit values
 * in a long.
 */
public sealed interface PgOutputMessage {
  <R> R accept(Visitor<R> visitor);

  /** One method per message kind, so that a new kind breaks the build where it is handled. */
  interface Visitor<R> {
    R visitBegin(Begin message);

    R visitCommit(Commit message);

    R visitOrigin(Origin message);

    R visitRelation(Relation message);

    R visitType(Type message);

    R visitInsert(Insert message);

    R visitUpdate(Update message);

    R visitDelete(Delete message);

    R visitTruncate(Truncate message);

    R visitLogicalMessage(LogicalMessage message);
  }

  /**
   * 'B': a transaction starts.
   *
   * @param finalLsn the LSN of the transaction's commit record (its Commit's {@code commitLsn})
   * @param commitTime when the transaction committed
   * @param xid the transaction id
   */
  record Begin(long finalLsn, Instant commitTime, long xid) implements PgOutputMessage {
    public Begin {
      requireNonNull(commitTime, "commitTime is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitBegin(this);
    }
  }

  /**
   * 'C': the transaction that began with the last Begin committed.
   *
   * @param flags unused by PostgreSQL (0)
   * @param commitLsn the LSN of the commit record
   * @param endLsn the LSN just after the commit record: where streaming resumes after it
   * @param commitTime when the transaction committed
   */
  record Commit(int flags, long commitLsn, long endLsn, Instant commitTime)
      implements PgOutputMessage {
    public Commit {
      requireNonNull(commitTime, "commitTime is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCommit(this);
    }
  }

  /**
   * 'O': the changes that follow came from another server through a replication origin.
   *
   * @param commitLsn the LSN of the commit on the origin server
   * @param name the origin's name
   */
  record Origin(long commitLsn, String name) implements PgOutputMessage {
    public Origin {
      requireNonNull(name, "name is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitOrigin(this);
    }
  }

  /**
   * 'R': a table's description, sent before its first change in the session and again after it
   * changed (ALTER TABLE). Changes name their table by oid only.
   *
   * @param oid the table's oid
   * @param namespace its schema; the empty string stands for {@code pg_catalog}
   * @param name its name
   * @param replicaIdentity what the table logs as the old row of updates and deletes
   * @param columns the published columns, in attnum order
   */
  record Relation(
      long oid,
      String namespace,
      String name,
      PgTable.ReplicaIdentity replicaIdentity,
      List<Column> columns)
      implements PgOutputMessage {
    public Relation {
      requireNonNull(namespace, "namespace is null");
      requireNonNull(name, "name is null");
      requireNonNull(replicaIdentity, "replicaIdentity is null");
      columns = List.copyOf(requireNonNull(columns, "columns is null"));
    }

    /**
     * One column of a Relation.
     *
     * @param flags 1 when the column is part of the replica identity key, else 0
     * @param name the column's name
     * @param typeOid the oid of its type
     * @param typeModifier its type modifier ({@code atttypmod}), -1 when none
     */
    public record Column(int flags, String name, long typeOid, int typeModifier) {
      public Column {
        requireNonNull(name, "name is null");
      }

      /** Whether the column is part of the key that identifies rows. */
      public boolean key() {
        return (flags & 1) != 0;
      }
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitRelation(this);
    }
  }

  /**
   * 'Y': a type that is not built in, sent before a Relation that has a column of it.
   *
   * @param namespace its schema; the empty string stands for {@code pg_catalog}
   */
  record Type(long oid, String namespace, String name) implements PgOutputMessage {
    public Type {
      requireNonNull(namespace, "namespace is null");
      requireNonNull(name, "name is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitType(this);
    }
  }

  /** 'I': a row inserted into the table {@code relationOid}. */
  record Insert(long relationOid, TupleData newTuple) implements PgOutputMessage {
    public Insert {
      requireNonNull(newTuple, "newTuple is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitInsert(this);
    }
  }

  /**
   * 'U': a row updated. The old row is present when the table has REPLICA IDENTITY FULL, or when
   * the update changed the key (then only the key's columns have values).
   */
  record Update(long relationOid, Optional<OldTuple> oldTuple, TupleData newTuple)
      implements PgOutputMessage {
    public Update {
      requireNonNull(oldTuple, "oldTuple is null");
      requireNonNull(newTuple, "newTuple is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitUpdate(this);
    }
  }

  /** 'D': a row deleted; the old row is its key or, with REPLICA IDENTITY FULL, all of it. */
  record Delete(long relationOid, OldTuple oldTuple) implements PgOutputMessage {
    public Delete {
      requireNonNull(oldTuple, "oldTuple is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitDelete(this);
    }
  }

  /**
   * The old row of an Update or Delete.
   *
   * @param kind 'K': the replica identity's key columns have values, every other column is NULL;
   *     'O': the whole old row (REPLICA IDENTITY FULL)
   */
  record OldTuple(Kind kind, TupleData tuple) {
    public enum Kind {
      /** 'K': the key columns only. */
      KEY,
      /** 'O': the whole old row. */
      FULL
    }

    public OldTuple {
      requireNonNull(kind, "kind is null");
      requireNonNull(tuple, "tuple is null");
    }
  }

  /**
   * 'T': tables truncated, several in one message when one statement truncated them.
   *
   * @param options bit 1: CASCADE, bit 2: RESTART IDENTITY
   * @param relationOids the truncated tables of the publication
   */
  record Truncate(int options, List<Long> relationOids) implements PgOutputMessage {
    public Truncate {
      relationOids = List.copyOf(requireNonNull(relationOids, "relationOids is null"));
    }

    public boolean cascade() {
      return (options & 1) != 0;
    }

    public boolean restartIdentity() {
      return (options & 2) != 0;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitTruncate(this);
    }
  }

  /**
   * 'M': a message written with {@code pg_logical_emit_message} (sent when the stream was started
   * with the option {@code messages 'true'}).
   *
   * @param transactional whether it was written inside the transaction (else at once)
   * @param lsn the LSN of the message
   * @param prefix the prefix it was written with
   * @param content its bytes
   */
  record LogicalMessage(boolean transactional, long lsn, String prefix, byte[] content)
      implements PgOutputMessage {
    public LogicalMessage {
      requireNonNull(prefix, "prefix is null");
      requireNonNull(content, "content is null");
    }

    /** The content as UTF-8 text. */
    public String text() {
      return new String(content, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof LogicalMessage m
          && transactional == m.transactional
          && lsn == m.lsn
          && prefix.equals(m.prefix)
          && Arrays.equals(content, m.content);
    }

    @Override
    public int hashCode() {
      return (Boolean.hashCode(transactional) * 31 + Long.hashCode(lsn)) * 31
          + prefix.hashCode() * 31
          + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
      return String.format(
          "LogicalMessage[transactional=%s, lsn=%d, prefix=%s, content=%d bytes]",
          transactional, lsn, prefix, content.length);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitLogicalMessage(this);
    }
  }
}
