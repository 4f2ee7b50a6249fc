package dev.mzflink.sink;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Quote;
import java.io.Serializable;

/**
 * A results table's schema and name, as given (not quoted).
 *
 * @param schema the schema
 * @param name the table's name
 */
record ResultsTableName(String schema, String name) implements Serializable {
  ResultsTableName {
    requireNonNull(schema, "schema is null");
    requireNonNull(name, "name is null");
  }

  /** {@code "schema"."name"}, for SQL. */
  String quoted() {
    return Quote.pgQualified(schema, name);
  }

  @Override
  public String toString() {
    return quoted();
  }
}
