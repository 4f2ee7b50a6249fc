package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Quote;
import java.util.List;
import java.util.Optional;

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
 * @param rowFilter the publication's row filter of the table ({@code pg_publication_tables
 *     .rowfilter}, PostgreSQL 15 and later), as PostgreSQL prints it; empty when every row is
 *     published
 * @param unpublishedColumns the columns the publication's column list (PostgreSQL 15 and later)
 *     leaves out, in {@code attnum} order: not in {@code columns}, never replicated
 * @param partitioned whether the table is a partitioned table published through its root ({@code
 *     publish_via_partition_root}): its rows are in its partitions, and changes arrive under its
 *     name
 */
public record PgTable(
    long oid,
    String schema,
    String name,
    List<PgColumn> columns,
    List<String> primaryKey,
    ReplicaIdentity replicaIdentity,
    long estimatedRows,
    Optional<String> rowFilter,
    List<String> unpublishedColumns,
    boolean partitioned) {
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
    requireNonNull(rowFilter, "rowFilter is null");
    unpublishedColumns =
        List.copyOf(requireNonNull(unpublishedColumns, "unpublishedColumns is null"));
    for (String key : primaryKey) {
      if (columns.stream().noneMatch(c -> c.name().equals(key))
          && !unpublishedColumns.contains(key)) {
        throw new IllegalArgumentException("primary key column " + key + " is not a column");
      }
    }
  }

  /** A table published whole: every row and column, not through a partition root. */
  public PgTable(
      long oid,
      String schema,
      String name,
      List<PgColumn> columns,
      List<String> primaryKey,
      ReplicaIdentity replicaIdentity,
      long estimatedRows) {
    this(
        oid,
        schema,
        name,
        columns,
        primaryKey,
        replicaIdentity,
        estimatedRows,
        Optional.empty(),
        List.of(),
        false);
  }

  /** The primary key's columns the publication's column list leaves out, in key order. */
  public List<String> unpublishedKeyColumns() {
    return primaryKey.stream().filter(unpublishedColumns::contains).toList();
  }

  /** Whether the publication's column list leaves columns of the table out. */
  public boolean hasColumnList() {
    return !unpublishedColumns.isEmpty();
  }

  public boolean hasPrimaryKey() {
    return !primaryKey.isEmpty();
  }

  /** {@code "schema"."name"}, as PostgreSQL and error messages print it. */
  public String qualifiedName() {
    return Quote.pgQualified(schema, name);
  }
}
