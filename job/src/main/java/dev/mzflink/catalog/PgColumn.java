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
 */
public record PgColumn(
    String name, int position, PgType type, boolean notNull, boolean storageToastable) {
  public PgColumn {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
  }
}
