package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A publication and its tables at the moment mzflink read it. Tables are sorted by (schema, name)
 * so that everything derived from them is deterministic.
 */
public record PgPublication(
    String name,
    boolean allTables,
    boolean publishesInsert,
    boolean publishesUpdate,
    boolean publishesDelete,
    boolean publishesTruncate,
    List<PgTable> tables) {
  public PgPublication {
    requireNonNull(name, "name is null");
    tables =
        requireNonNull(tables, "tables is null").stream()
            .sorted(Comparator.comparing(PgTable::schema).thenComparing(PgTable::name))
            .toList();
  }

  public Optional<PgTable> table(String schema, String table) {
    return tables.stream()
        .filter(t -> t.schema().equals(schema) && t.name().equals(table))
        .findFirst();
  }
}
