package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

/**
 * One column of an upstream table.
 *
 * @param name the column name as PostgreSQL stores it
 * @param position {@code attnum}: columns are always kept in this order
 * @param type the column type
 * @param notNull whether the column is declared NOT NULL
 * @param storageToastable whether values may be TOASTed ({@code attstorage} other than plain)
 * @param typeOid the type's oid ({@code atttypid}), to recognise it in replication messages; 0 when
 *     not known
 */
public record PgColumn(
    String name,
    int position,
    PgType type,
    boolean notNull,
    boolean storageToastable,
    long typeOid) {
  public PgColumn {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
  }

  /** A column whose type oid is not known. */
  public PgColumn(
      String name, int position, PgType type, boolean notNull, boolean storageToastable) {
    this(name, position, type, notNull, storageToastable, 0);
  }
}
