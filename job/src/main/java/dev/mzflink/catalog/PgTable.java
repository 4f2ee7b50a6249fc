package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Quote;
import java.util.List;

/**
 * An upstream table of a publication, as introspected.
 *
 * @param oid the table's oid, to recognise it in replication messages
 * @param schema the table's schema
 * @param name the table's name
 * @param columns columns in {@code attnum} order (dropped columns excluded)
 * @param primaryKey the primary key's column names in key order, empty when there is none
 * @param replicaIdentity what PostgreSQL logs as the old row of updates and deletes
 * @param estimatedRows {@code pg_class.reltuples}, -1 when never analyzed
 */
public record PgTable(
    long oid,
    String schema,
    String name,
    List<PgColumn> columns,
    List<String> primaryKey,
    ReplicaIdentity replicaIdentity,
    long estimatedRows) {
  public enum ReplicaIdentity {
    DEFAULT,
    FULL,
    INDEX,
    NOTHING;

    public static ReplicaIdentity fromCode(String code) {
      return switch (code) {
        case "d" -> DEFAULT;
        case "f" -> FULL;
        case "i" -> INDEX;
        case "n" -> NOTHING;
        default -> throw new IllegalStateException("unknown relreplident " + code);
      };
    }
  }

  public PgTable {
    requireNonNull(schema, "schema is null");
    requireNonNull(name, "name is null");
    columns = List.copyOf(requireNonNull(columns, "columns is null"));
    primaryKey = List.copyOf(requireNonNull(primaryKey, "primaryKey is null"));
    requireNonNull(replicaIdentity, "replicaIdentity is null");
    for (String key : primaryKey) {
      if (columns.stream().noneMatch(c -> c.name().equals(key))) {
        throw new IllegalArgumentException("primary key column " + key + " is not a column");
      }
    }
  }

  public boolean hasPrimaryKey() {
    return !primaryKey.isEmpty();
  }

  /** {@code "schema"."name"}, as PostgreSQL and error messages print it. */
  public String qualifiedName() {
    return Quote.pgQualified(schema, name);
  }
}
